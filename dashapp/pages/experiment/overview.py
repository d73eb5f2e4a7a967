"""The experiment page's first render: its name, the reader's role, the runs, and which cards
and buttons that role shows (owners: members, share links, settings; editors: "New run",
"Clone run" and the baseline pins). Without a role, one message and nothing of the experiment.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import components, guard, services
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.experiment_runs import read_experiment_runs
from dashapp.guard import Access, Denial
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role

__all__ = ["NOT_AVAILABLE", "OVERVIEW_OUTPUTS", "register_overview", "show_experiment"]

NOT_AVAILABLE = "This experiment does not exist, or you have no access to it."

OVERVIEW_OUTPUTS = {
    "denied": Output(ids.denied, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "role": Output(ids.role, "children"),
    "description": Output(ids.description, "children"),
    "runs": Output(ids.runs, "children"),
    "manage_members": Output(ids.manage_members, "style"),
    "share_card": Output(ids.share_card, "style"),
    "attach_card": Output(ids.attach_card, "style"),
    "settings_card": Output(ids.settings_card, "style"),
    "new_run": Output(ids.new_run, "style"),
    "compare_options": Output(ids.compare_runs, "options"),
}


def _denied(_denial: Denial) -> dict[str, Any]:
    return {
        "denied": components.message(NOT_AVAILABLE, "warning", id=ids.not_available),
        "body": HIDDEN,
        "title": "",
        "role": "",
        "description": "",
        "runs": None,
        "manage_members": HIDDEN,
        "share_card": HIDDEN,
        "attach_card": HIDDEN,
        "settings_card": HIDDEN,
        "new_run": HIDDEN,
        "compare_options": [],
    }


def show_experiment(access: Access, refresh: Any, poll: Any, experiment_id: Any) -> Any:
    with services.database().session() as session:
        found = read_experiment_runs(session, access.experiment_id)
    if found is None:
        return _denied(Denial("not-found"))
    owner = SHOWN if access.role is not None and access.role >= Role.owner else HIDDEN
    editor = access.role is not None and access.role >= Role.editor
    return {
        "denied": None,
        "body": SHOWN,
        "title": found.header.name,
        "role": components.role_badge(access.role.name if access.role else None),
        "description": found.header.description,
        "runs": components.runs_table(found.runs, link_runs=True,
                                      clone_into=access.experiment_id if editor else None,
                                      baseline_id=found.baseline_id, can_pin=editor),
        "manage_members": owner,
        "share_card": owner,
        "attach_card": owner,
        "settings_card": owner,
        "new_run": SHOWN if editor else HIDDEN,
        "compare_options": [{"label": f"#{run.id} {run.name}", "value": run.id}
                            for run in found.runs],
    }


def register_overview(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=OVERVIEW_OUTPUTS,
        inputs={"refresh": Input(ids.refresh, "data"), "poll": Input(ids.poll, "n_intervals")},
        state={"experiment_id": State(ids.experiment, "data")},
        on_denied=_denied,
    )(show_experiment)
