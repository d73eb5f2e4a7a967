"""The run page's "Similar runs" card: the earlier runs most like this one that the reader may
read (``optunagui.recommend.similar_runs`` on the run, as ``optunagui similar --run`` and
``POST /api/v1/similar`` answer), with links, best results and how alike they are.

Only the reader's own experiments are searched (memberships; every experiment for an admin),
each run checked again with ``dashapp.access.may_read_run``: a share link shows this run, never
the runs of other experiments, so a visitor through one gets no list.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.recommend import RunNotReadable, SimilarRun, similar_runs
from optunagui.recommend.similar_record import day_text

__all__ = ["CARD_LIMIT", "register_similar_card", "show_similar", "similar_card"]

BODY = "run-similar-body"
CARD_LIMIT = 5


def similar_card() -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Similar runs"),
                     dbc.CardBody(dcc.Loading(html.Div(id=BODY), type="dot"))],
                    class_name="mb-3")


def _row(run: SimilarRun) -> list[Any]:
    best = f"{run.metric} {run.best_value:.4g}" if run.best_value is not None else "-"
    link = dcc.Link(f"run {run.run_id}: {run.name}", href=app_path(f"/runs/{run.run_id}"))
    parts = ", ".join(f"{name} {value:.2f}" for name, value in run.similarity.parts.items())
    mark = [dbc.Badge("near-duplicate", color="warning", class_name="ms-1")] \
        if run.near_duplicate else []
    return [[link, *mark], run.experiment, html.Span(f"{run.score:.2f}", title=parts), best,
            run.n_trials, day_text(run.created_at)]


def show_similar(access: Access, run_id: Any) -> Any:
    """The card's body for the reader: a table, or why there is none."""
    principal = access.principal
    if principal.user_id is None:
        return components.empty_note("Similar runs are listed for signed-in members.")
    try:
        with services.database().session() as session:
            found = similar_runs(session, principal.user_id, access.run_id, limit=CARD_LIMIT,
                                 may_read_run=lambda other: access_rules.may_read_run(principal,
                                                                                     other))
    except RunNotReadable:
        return components.empty_note("Similar runs are listed for members of the experiment.")
    except ValueError:
        return components.empty_note("Similar runs compare runs of a built-in model.")
    if not found.runs:
        return components.empty_note("No earlier run you may read to compare with.")
    header = ["Run", "Experiment", "Similarity", "Best", "Complete trials", "Created"]
    return components.table(header, [_row(run) for run in found.runs], id="run-similar-table")


def register_similar_card(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(BODY, "children"),
        inputs={"run_id": Input(ids.run, "data")},
    )(show_similar)
