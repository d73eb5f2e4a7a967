"""Shared read-only view (/s/<token>): one experiment's runs for whoever holds a valid link.

The token in the URL is the only credential: each callback resolves it again, so a revoked or
expired link stops working at once, and the experiment shown is the one the link names (never
an id from the browser).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.experiment_runs import read_experiment_runs
from dashapp.components.html_pages import SHARE_PROBLEMS
from dashapp.guard import Access, Denial

__all__ = ["SHARED_OUTPUTS", "ids", "layout", "register", "show_shared"]


class ids:
    token = "shared-token"
    poll = "shared-poll"
    problem = "shared-problem"
    body = "shared-body"
    title = "shared-title"
    description = "shared-description"
    runs = "shared-runs"


SHARED_OUTPUTS = {
    "problem": Output(ids.problem, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "description": Output(ids.description, "children"),
    "runs": Output(ids.runs, "children"),
}


def layout(token: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.token, data=token),
            dcc.Interval(id=ids.poll, interval=30_000),
            html.Div(id=ids.problem),
            html.Div(
                [
                    html.Div("Shared read-only view", className="text-muted small"),
                    html.H2(id=ids.title, className="mb-1"),
                    html.P(id=ids.description, className="text-muted"),
                    html.H4("Runs", className="mt-3"),
                    html.Div(id=ids.runs),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def _denied(denial: Denial) -> dict[str, Any]:
    _code, heading, text = SHARE_PROBLEMS.get(denial.reason, SHARE_PROBLEMS["unknown"])
    problem = components.message([html.Strong(heading), html.Div(text)], "warning")
    return {"problem": problem, "body": HIDDEN, "title": "", "description": "", "runs": None}


def show_shared(access: Access, poll: Any, token: Any) -> dict[str, Any]:
    assert access.experiment_id is not None
    with services.database().session() as session:
        found = read_experiment_runs(session, access.experiment_id)
    if found is None:
        return _denied(Denial("unknown"))
    return {
        "problem": None,
        "body": SHOWN,
        "title": found.header.name,
        "description": found.header.description,
        "runs": components.runs_table(found.runs, link_runs=False, baseline_id=found.baseline_id),
    }


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/s/<token>",
        name="Shared experiment",
        title="Shared experiment · OptunaGui",
        layout=layout,
    )
    guard.guarded_callback(
        app,
        requires=guard.share_link("token"),
        output=SHARED_OUTPUTS,
        inputs={"poll": Input(ids.poll, "n_intervals")},
        state={"token": State(ids.token, "data")},
        on_denied=_denied,
    )(show_shared)
