"""Every server-side callback of the app, by the name it was registered under, with the check
it must declare and the argument values a request to it carries (read by
test_callback_permissions.py). A callback registered for several pages has one name per page,
e.g. ``run_save_note`` and ``experiment_save_note``."""

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
    name: str  # the name the callback was registered under (guard.callback_name_of)
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
    Case("show_user", Check.signed_in, None, lambda w: {"pathname": "/"}),
    Case("show_experiments", Check.signed_in, None, lambda w: {"search": ""}),
    Case(
        "create_experiment",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "name": "made by a test", "refresh": 0},
    ),
    Case("show_experiment", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case("show_members", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case(
        "save_member",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, username="otto", role="owner"),
    ),
    Case(
        "remove_member",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=[({"type": MEMBER_REMOVE, "user": w.user_ids["vic"]}, 1)]),
    ),
    Case("show_links", Check.experiment, Role.owner, lambda w: _alpha(w)),
    Case(
        "create_link",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, label="leak", days=7),
    ),
    Case(
        "revoke_link",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=[({"type": SHARE_REVOKE, "link": w.share_link_id}, 1)]),
    ),
    Case(
        "rename",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, name="renamed by a test"),
    ),
    Case(
        "delete",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, confirm="not the name"),
    ),
    Case("show_users", Check.admin, None, lambda w: {"refresh": 0}),
    Case(
        "create_user",
        Check.admin,
        None,
        lambda w: {"clicks": 1, "name": "mallory", "password": "long enough pw", "refresh": 0},
    ),
    Case(
        "change_user",
        Check.admin,
        None,
        lambda w: {
            "clicks": [
                ({"type": "admin-user-action", "user": w.user_ids["vic"], "action": "disable"}, 1)
            ],
            "refresh": 0,
        },
    ),
    Case("show_studies", Check.admin, None, lambda w: {"refresh": 0}),
    Case(
        "attach_unattached",
        Check.admin,
        None,
        lambda w: {"clicks": [({"type": "admin-studies-attach", "study": "nope"}, 1)],
                   "experiment": str(w.alpha), "refresh": 0},
    ),
    Case(
        "attach_study",
        Check.experiment,
        Role.owner,
        lambda w: _alpha(w, clicks=1, storage="sqlite:///nowhere/study.db", studies="",
                         follow=True),
    ),
    Case("show_tokens", Check.signed_in, None, lambda w: {"refresh": 0}),
    Case(
        "create_token",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "label": "t", "days": None, "refresh": 0},
    ),
    Case("revoke_token", Check.signed_in, None, lambda w: {"refresh": 0}),
    Case("save_own_email", Check.signed_in, None,
         lambda w: {"clicks": 1, "email": "someone@example.com", "refresh": 0}),
    Case(
        "change_own_password",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "current": "not the password", "new": "a new password",
                   "repeat": "a new password", "refresh": 0},
    ),
    # The wizard: every step's callback needs an editor. "Back" is the harmless trigger here;
    # launching is covered (refused and allowed) in test_wizard_callbacks.py.
    Case("show_resources", Check.experiment, Role.editor, lambda w: _wizard(w)),
    Case(
        "navigate",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, step=2, back=1, draft=None),
    ),
    Case(
        "restore",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, stamp=-1, draft=None, restored=False, clone=str(w.run_id)),
    ),
    Case(
        "describe",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, source="builtin", builtin="iris", target="target", options={}),
    ),
    Case(
        "metric_choices",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, task="auto", inferred={"columns": ["x"], "task": None}, metrics=[]),
    ),
    Case(
        "upload_file",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, contents=UPLOAD, filename="upload.csv"),
    ),
    Case(
        "reset_space",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=1, draft=None),
    ),
    Case(
        "suggest_ranges",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=1, draft=None),
    ),
    Case(
        "take_suggestions",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, take_all=1, take=[], draft=None, suggested=None),
    ),
    Case(
        "warm_start_configs",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, use=True, count=3, draft=None),
    ),
    Case(
        "show_step_feature_advice",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, step=2, clicks=None, tick=None, draft=None),
    ),
    Case(
        "switch_off_flagged",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=1, draft=None),
    ),
    Case(
        "review_similar",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, spec_text="name: review", draft=None),
    ),
    Case(
        "add_region",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=[], draft=None, kept=None),
    ),
    Case(  # no click: nothing is launched, only the check is exercised
        "launch_anyway",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, clicks=0, draft=None),
    ),
    # The run page: viewers read, editors steer.
    Case("show_run", Check.run, Role.viewer, lambda w: _run(w)),
    Case(
        "poll",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tick=1, live=None, x_param=None, y_param=None),
    ),
    Case(
        "choose_axes",
        Check.run,
        Role.viewer,
        lambda w: _run(w, x_param="a", y_param="b", shown=None),
    ),
    Case(
        "show_trial",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicked={"rowId": "0"}),
    ),
    Case(
        "trial_rows",
        Check.run,
        Role.viewer,
        lambda w: _run(w, request={"startRow": 0, "endRow": 50}, live=None, columns=[]),
    ),
    Case("show_code", Check.run, Role.viewer, lambda w: _run(w)),
    Case("show_code_source", Check.run, Role.viewer, lambda w: _run(w, path="train.py")),
    Case("act", Check.run, Role.editor, lambda w: _run(w, pause=1)),
    Case("apply_ranges", Check.run, Role.editor, lambda w: _run(w, clicks=1)),
    # The run analysis page: viewers read every tab and download its figures.
    Case("show_analysis", Check.run, Role.viewer, lambda w: _run(w)),
    Case(
        "show_axes",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="params", objective=None, x_param=None, y_param=None),
    ),
    Case(
        "show_all_params",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="params", objective=None),
    ),
    Case(
        "show_parallel",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="parallel", objective=None),
    ),
    Case(
        "show_importance",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="importance", objective=None, method="fanova", tick=None),
    ),
    Case(
        "show_diagnosis",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="diagnosis", objective=None),
    ),
    Case("show_pareto", Check.run, Role.viewer, lambda w: _run(w, tab="pareto")),
    Case(
        "download_analysis",
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
        "show_features",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="features", tick=None),
    ),
    Case(
        "show_rerun_link",
        Check.run,
        Role.editor,
        lambda w: _run(w, drop=["noise"]),
    ),
    Case(
        "show_feature_advice",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="features", clicks=None, tick=None),
    ),
    Case("test_dropping_features", Check.run, Role.editor,
         lambda w: _run(w, clicks=1, tick=None)),
    Case(
        "show_columns",
        Check.run,
        Role.viewer,
        lambda w: _run(w, tab="tradeoffs", chosen=None),
    ),
    Case(
        "pick",
        Check.run,
        Role.viewer,
        lambda w: _run(w, optimise="accuracy", direction="maximize", column1=None, op1="<=",
                       limit1=None, column2=None, op2="<=", limit2=None),
    ),
    Case(
        "apply_advice",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=[({"type": "analysis-advice-apply", "param": "depth"}, 1)]),
    ),
    # Notes and exports on the run page: viewers read, editors write.
    Case("run_show_notes", Check.run, Role.viewer, lambda w: _run(w, refresh=0)),
    Case(
        "run_save_note",
        Check.run,
        Role.editor,
        lambda w: _run(w, save=1, text="a note", editing=None, refresh=0, trial=None),
    ),
    Case(
        "run_start_edit",
        Check.run,
        Role.editor,
        lambda w: _run(w, edit=[({"type": "run-note-edit", "note": 1}, 1)], cancel=None),
    ),
    Case(
        "run_remove_note",
        Check.run,
        Role.editor,
        lambda w: _run(w, delete=[({"type": "run-note-delete", "note": 1}, 1)], refresh=0),
    ),
    Case(
        "show_versions",
        Check.run,
        Role.viewer,
        lambda w: _run(w, refresh=0, tick=None),
    ),
    Case("show_similar", Check.run, Role.viewer, lambda w: _run(w)),
    Case("show_next_run", Check.run, Role.viewer, lambda w: _run(w)),
    Case("show_closest_runs", Check.experiment, Role.viewer,
         lambda w: {"experiment_id": str(w.alpha)}),
    Case("show_experiment_next_run", Check.experiment, Role.viewer,
         lambda w: {"experiment_id": str(w.alpha)}),
    Case(
        "train",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=1, refresh=0),
    ),
    Case(
        "download_model_version",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicks=[({"type": "run-model-download", "version": 1}, 1)]),
    ),
    Case(
        "replay",
        Check.run,
        Role.editor,
        lambda w: _run(w, clicks=[({"type": "run-replay", "index": 0}, 1)]),
    ),
    Case(
        "download_export",
        Check.run,
        Role.viewer,
        lambda w: _run(w, clicks=[({"type": "run-export-item", "what": "params"}, 1)]),
    ),
    # The compare page: any signed-in user or share-link visitor; each run id is then checked
    # on its own (test_compare_page.py: outsiders get a refusal and nothing of the run).
    Case("show_comparison", Check.reader, None, lambda w: {"runs": str(w.run_id)}),
    Case(
        "download_comparison",
        Check.reader,
        None,
        lambda w: {
            "clicks": [({"type": "compare-download-button", "figure": "table"}, 1)],
            "runs": str(w.run_id),
        },
    ),
    Case(
        "pin_baseline",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, clicks=[({"type": "experiment-baseline", "run": w.run_id,
                                      "action": "pin"}, 1)]),
    ),
    Case(
        "choose_version",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, upload={"version_id": 1, "name": "upload"}, chosen=None),
    ),
    Case(
        "download_report",
        Check.experiment,
        Role.viewer,
        lambda w: _alpha(w, clicks=[({"type": "experiment-report-item", "format": "html"}, 1)]),
    ),
    Case("show_data", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case("show_experiment_feature_advice", Check.experiment, Role.viewer,
         lambda w: {"experiment_id": str(w.alpha), "clicks": None, "tick": None}),
    Case("experiment_show_notes", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    Case(
        "experiment_save_note",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, save=1, text="a note", editing=None),
    ),
    Case(
        "experiment_start_edit",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, edit=[({"type": "experiment-note-edit", "note": 1}, 1)],
                         cancel=None),
    ),
    Case(
        "experiment_remove_note",
        Check.experiment,
        Role.editor,
        lambda w: _alpha(w, delete=[({"type": "experiment-note-delete", "note": 1}, 1)]),
    ),
    Case(
        "start_reevaluation",
        Check.signed_in,
        None,
        lambda w: {"clicks": 1, "runs": str(w.run_id), "include": True, "seeds": 2},
    ),
    Case(
        "poll_reevaluation",
        Check.signed_in,
        None,
        lambda w: {"tick": 1, "job": {"runs": [w.run_id], "baselines": [], "seeds": 2}},
    ),
    Case(
        "show_shared",
        Check.share_link,
        None,
        lambda w: {"poll": None, "token": w.share_url_token},
    ),
    Case(
        "download_shared_report",
        Check.share_link,
        None,
        lambda w: {"clicks": [({"type": "shared-report-item", "format": "html"}, 1)],
                   "token": w.share_url_token},
    ),
    # The wizard's draft choices (resume, discard, start over) and what follows the task.
    Case(
        "choose_draft",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, resume=1, draft={str(w.alpha): {"step": 3}}),
    ),
    Case(
        "follow_task",
        Check.experiment,
        Role.editor,
        lambda w: _wizard(w, task="regression", split_method="stratified_kfold",
                          inferred={"columns": ["x"], "task": "classification", "key": None}),
    ),
]

from tests.dashapp.alert_cases import ALERT_ROWS  # noqa: E402

CASES += [Case(*row) for row in ALERT_ROWS]
