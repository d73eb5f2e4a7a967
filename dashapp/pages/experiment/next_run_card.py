"""The experiment page's "Next run from history" card: the run page's card
(``dashapp.pages.run.next_run_card``) for the experiment's latest run of a built-in model,
named with its link; the same sources, the editor's wizard link and the same access rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids as page_ids
from dashapp.pages.run.next_run_card import built_in_spec, show_next_run
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.store import list_runs

__all__ = ["experiment_next_run_card", "register_experiment_next_run",
           "show_experiment_next_run"]

BODY = "experiment-next-body"


def experiment_next_run_card() -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Next run from history"),
                     dbc.CardBody(dcc.Loading(html.Div(id=BODY), type="dot"))],
                    class_name="mb-3")


def show_experiment_next_run(access: Access, experiment_id: Any) -> Any:
    principal = access.principal
    if principal.user_id is None or access.experiment_id is None:
        return components.empty_note("Suggestions are shown to signed-in members.")
    with services.database().session() as session:
        latest = next(((run.id, run.name) for run in list_runs(session, access.experiment_id)
                       if built_in_spec(run.spec, run.current_space) is not None
                       and access_rules.may_read_run(principal, run.id)), None)
    if latest is None:
        return components.empty_note("No run of a built-in model here yet.")
    run_id, name = latest
    heading = html.P(["For the latest run, ", dcc.Link(f"run {run_id}: {name}",
                                                       href=app_path(f"/runs/{run_id}"))],
                     className="small mb-1")
    body = show_next_run(replace(access, run_id=run_id), run_id)
    return [heading, *(body if isinstance(body, list) else [body])]


def register_experiment_next_run(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=Output(BODY, "children"),
        inputs={"experiment_id": Input(page_ids.experiment, "data")},
    )(show_experiment_next_run)
