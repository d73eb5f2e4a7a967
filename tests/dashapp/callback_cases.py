"""Every server-side callback of the app with the check it must declare, and the argument
values a request to it carries (read by test_callback_permissions.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from dashapp.guard import Check
from dashapp.permissions import Role
from tests.dashapp.conftest import World

MEMBER_REMOVE = "experiment-member-remove"
SHARE_REVOKE = "experiment-share-revoke"


@dataclass(frozen=True)
class Case:
    fragment: str
    check: Check
    role: Role | None
    values: Any  # World -> dict of argument values


def _alpha(world: World, **extra: Any) -> dict[str, Any]:
    return {"experiment_id": str(world.alpha), "refresh": 0, **extra}


def _wizard(world: World, **extra: Any) -> dict[str, Any]:
    return {"experiment_id": str(world.alpha), **extra}


def _run(world: World, **extra: Any) -> dict[str, Any]:
    return {"run_id": str(world.run_id), **extra}


UPLOAD = "data:text/csv;base64," + base64.b64encode(b"a,b,y\n1,2,0\n3,4,1\n5,6,0\n").decode()


CASES = [
    Case("shell-user-name.children", Check.signed_in, None, lambda w: {"pathname": "/"}),
    Case("experiments-table.children", Check.signed_in, None, lambda w: {"search": ""}),
    Case(
        "experiments-create-feedback.children",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "name": "made by a test", "refresh": 0},
    ),
    Case("experiment-denied.children", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case("experiment-members.children", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case(
        "experiment-member-feedback.children...",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, username="otto", role="owner"),
    ),
    Case(
        "experiment-member-feedback.children@",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=[({"type": MEMBER_REMOVE, "user": w.user_ids["vic"]}, 1)]),
    ),
    Case("experiment-share-links.children", Check.experiment, Role.owner, lambda w: _alpha(w)),
    Case(
        "experiment-share-new.children",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, label="leak", days=7),
    ),
    Case(
        "experiment-share-feedback.children",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=[({"type": SHARE_REVOKE, "link": w.share_link_id}, 1)]),
    ),
    Case(
        "experiment-settings-feedback.children...",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, name="renamed by a test"),
    ),
    Case(
        "experiment-settings-feedback.children@",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, confirm="not the name"),
    ),
    Case("admin-denied.children", Check.admin, None, lambda w: {"refresh": 0}),
    Case(
        "admin-create-feedback.children",
        Check.admin,
        None,
        lambda w: {"clicks": 1, "name": "mallory", "password": "long enough pw", "refresh": 0},
    ),
    Case(
        "admin-action-feedback.children",
        Check.admin,
        None,
        lambda w: {
            "clicks": [
                ({"type": "admin-user-action", "user": w.user_ids["vic"], "action": "disable"}, 1)
            ],
            "refresh": 0,
        },
    ),
    Case("account-heading.children", Check.signed_in, None, lambda w: {"refresh": 0}),
    Case(
        "account-token-new.children",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "label": "t", "days": None, "refresh": 0},
    ),
    Case("account-token-feedback.children", Check.signed_in, None, lambda w: {"refresh": 0}),
    # The wizard: every step's callback needs an editor. "Back" is the harmless trigger here;
    # launching is covered (refused and allowed) in test_wizard_callbacks.py.
    Case("new-run-resources.children", Check.experiment, Role.editor, lambda w: _wizard(w)),
    Case(
        "new-run-step.data@",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, step=2, back=1, draft=None),
    ),
    Case(
        "new-run-restored.data",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, stamp=-1, draft=None, restored=False, clone=str(w.run_id)),
    ),
    Case(
        "new-run-preview.children",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, source="builtin", builtin="iris", target="target", options={}),
    ),
    Case(
        "new-run-metrics.options",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, task="auto", inferred={"columns": ["x"], "task": None}, metrics=[]),
    ),
    Case(
        "new-run-upload-status.children",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, contents=UPLOAD, filename="upload.csv"),
    ),
    Case(
        "new-run-space-status.children",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=1, draft=None),
    ),
    # The run page: viewers read, editors steer.
    Case("..run-denied.children", Check.run, Role.viewer, lambda w: _run(w)),
    Case(
        "run-history-graph.figure@",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tick=1, live=None, x_param=None, y_param=None),
    ),
    Case(
        "run-scatter-axes.data@",
        Check.run,
        Role.viewer,
        lambda w: _run(w, x_param="a", y_param="b", shown=None),
    ),
    Case(
        "run-trial-detail.children",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicked={"rowId": "0"}),
    ),
    Case("run-control-feedback.children", Check.run, Role.editor, lambda w: _run(w, pause=1)),
    Case("run-ranges-feedback.children", Check.run, Role.editor, lambda w: _run(w, clicks=1)),
    # The run analysis page: viewers read every tab and download its figures.
    Case("analysis-denied.children", Check.run, Role.viewer, lambda w: _run(w)),
    Case(
        "analysis-scatter-graph.figure",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="params", objective=None, x_param=None, y_param=None),
    ),
    Case(
        "analysis-parallel-graph.figure",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="params", objective=None),
    ),
    Case(
        "analysis-importance-graph.figure",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="importance", objective=None, method="fanova", tick=None),
    ),
    Case(
        "analysis-convergence-graph.figure",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="diagnosis", objective=None),
    ),
    Case("analysis-pareto-graph.figure", Check.run, Role.viewer, lambda w: _run(w, tab="pareto")),
    Case(
        "analysis-download.data",
        Check.run,
        Role.viewer,
        lambda w: _run(
            w,
            clicks=[({"type": "analysis-download-button", "figure": "history"}, 1)],
            objective=None,
            x_param=None,
            y_param=None,
            method="fanova",
        ),
    ),
    Case(
        "analysis-shap_bar-graph.figure",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="features", tick=None),
    ),
    Case(
        "analysis-features-rerun-link.href",
        Check.run,
        Role.editor,
        lambda w: _run(w, drop=["noise"]),
    ),
    Case(
        "analysis-tradeoff-optimise.options",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="tradeoffs", chosen=None),
    ),
    Case(
        "analysis-tradeoff-result.children",
        Check.run,
        Role.viewer,
        lambda w: _run(w, optimise="accuracy", direction="maximize", column1=None, op1="<=",
                       limit1=None, column2=None, op2="<=", limit2=None),
    ),
    Case(
        "analysis-advice-feedback",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=[({"type": "analysis-advice-apply", "param": "depth"}, 1)]),
    ),
    # Notes and exports on the run page: viewers read, editors write.
    Case("run-notes-list.children", Check.run, Role.viewer, lambda w: _run(w, refresh=0)),
    Case(
        "..run-notes-refresh.data...run-notes-feedback.children...run-notes-text.value...",
        Check.run,
        Role.editor,
        lambda w: _run(w, save=1, text="a note", editing=None, refresh=0, trial=None),
    ),
    Case(
        "..run-notes-text.value@",
        Check.run,
        Role.editor,
        lambda w: _run(w, edit=[({"type": "run-note-edit", "note": 1}, 1)], cancel=None),
    ),
    Case(
        "..run-notes-refresh.data@",
        Check.run,
        Role.editor,
        lambda w: _run(w, delete=[({"type": "run-note-delete", "note": 1}, 1)], refresh=0),
    ),
    Case(
        "..run-models-table.children...run-models-train.style...",
        Check.run,
        Role.viewer,
        lambda w: _run(w, refresh=0, tick=None),
    ),
    Case(
        "..run-models-refresh.data...run-models-poll.disabled@",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=1, refresh=0),
    ),
    Case(
        "run-models-download.data",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicks=[({"type": "run-model-download", "version": 1}, 1)]),
    ),
    Case(
        "..run-replay-redirect.href...run-replay-feedback.children..",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=[({"type": "run-replay", "index": 0}, 1)]),
    ),
    Case(
        "run-export-download.data",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicks=[({"type": "run-export-item", "what": "params"}, 1)]),
    ),
    # The compare page: any signed-in user; each run id is then checked on its own
    # (test_compare_page.py: outsiders get a refusal and nothing of the run).
    Case("compare-problem.children", Check.signed_in, None, lambda w: {"runs": str(w.run_id)}),
    Case(
        "compare-download.data",
        Check.signed_in,
        None,
        lambda w: {
            "clicks": [({"type": "compare-download-button", "figure": "table"}, 1)],
            "runs": str(w.run_id),
        },
    ),
    Case(
        "experiment-baseline-feedback.children",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, clicks=[({"type": "experiment-baseline", "run": w.run_id,
                                      "action": "pin"}, 1)]),
    ),
    Case(
        "new-run-upload-version.options",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, upload={"version_id": 1, "name": "upload"}, chosen=None),
    ),
    Case(
        "experiment-report-download.data",
        Check.experiment,
        Role.viewer,
        lambda w: _alpha(w, clicks=[({"type": "experiment-report-item", "format": "html"}, 1)]),
    ),
    Case("experiment-data.children", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case("experiment-notes-list.children", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case(
        "..experiment-notes-refresh.data...experiment-notes-feedback.children...",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, save=1, text="a note", editing=None),
    ),
    Case(
        "..experiment-notes-text.value@",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, edit=[({"type": "experiment-note-edit", "note": 1}, 1)],
                         cancel=None),
    ),
    Case(
        "..experiment-notes-refresh.data@",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, delete=[({"type": "experiment-note-delete", "note": 1}, 1)]),
    ),
    Case(
        "compare-reevaluate-feedback.children",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "runs": str(w.run_id), "include": True, "seeds": 2},
    ),
    Case(
        "compare-reevaluate-result.children@",
        Check.signed_in,
        None,
        lambda w: {"tick": 1, "job": {"runs": [w.run_id], "baselines": [], "seeds": 2}},
    ),
    Case(
        "shared-problem.children",
        Check.share_link,
        None,
        lambda w: {"poll": None, "token": w.share_url_token},
    ),
]
