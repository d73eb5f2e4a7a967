"""The experiment page's "Closest earlier runs" card: for each of the experiment's latest runs
(``CARD_RUNS``), the earlier run most like it in this or another experiment the reader may read
(``optunagui.recommend.closest_in_experiment``), with its link and best result.

Only the reader's own experiments are searched (memberships; every experiment for an admin),
each run checked again with ``dashapp.access.may_read_run``; a share-link visitor gets no list.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids as page_ids
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.recommend import RunNotReadable
from optunagui.recommend.similar_runs import closest_in_experiment

__all__ = ["CARD_RUNS", "experiment_similar_card", "register_experiment_similar",
           "show_closest_runs"]

BODY = "experiment-similar-body"
CARD_RUNS = 8


def experiment_similar_card() -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Closest earlier runs"),
                     dbc.CardBody(dcc.Loading(html.Div(id=BODY), type="dot"))],
                    class_name="mb-3")


def _link(run_id: int, text: str) -> Any:
    return dcc.Link(text, href=app_path(f"/runs/{run_id}"))


def show_closest_runs(access: Access, experiment_id: Any) -> Any:
    principal = access.principal
    if principal.user_id is None or access.experiment_id is None:
        return components.empty_note("Closest runs are listed for signed-in members.")
    try:
        with services.database().session() as session:
            found = closest_in_experiment(
                session, principal.user_id, access.experiment_id, max_runs=CARD_RUNS,
                may_read_run=lambda run_id: access_rules.may_read_run(principal, run_id))
    except RunNotReadable:
        return components.empty_note("Closest runs are listed for members of the experiment.")
    if not found:
        return components.empty_note("No run of a built-in model here yet.")
    rows = []
    for run, closest in found:
        if closest is None:
            rows.append([_link(run.id, f"run {run.id}: {run.name}"), "none earlier", "", "", ""])
            continue
        best = (f"{closest.metric} {closest.best_value:.4g}" if closest.best_value is not None
                else "-")
        mark = " (near-duplicate)" if closest.near_duplicate else ""
        rows.append([_link(run.id, f"run {run.id}: {run.name}"),
                     [_link(closest.run_id, f"run {closest.run_id}: {closest.name}"), mark],
                     closest.experiment, f"{closest.score:.2f}", best])
    return components.table(["Run", "Closest earlier run", "Its experiment", "Similarity",
                             "Its best"], rows, id="experiment-similar-table")


def register_experiment_similar(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=Output(BODY, "children"),
        inputs={"experiment_id": Input(page_ids.experiment, "data")},
    )(show_closest_runs)
