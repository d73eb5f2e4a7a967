"""Shared read-only view (/s/<token>): one experiment's runs for whoever holds a valid link.

The token in the URL is the only credential: each callback resolves it again, so a revoked or
expired link stops working at once, and the experiment shown is the one the link names (never
an id from the browser).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, queries, services
from dashapp.components.html_pages import SHARE_PROBLEMS
from dashapp.guard import Access, Denial
from optunagui.store import experiments as experiment_store

__all__ = ["ids", "layout", "register"]

HIDDEN = {"display": "none"}


class ids:
    token = "shared-token"
    poll = "shared-poll"
    problem = "shared-problem"
    body = "shared-body"
    title = "shared-title"
    description = "shared-description"
    runs = "shared-runs"


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


def _denied(denial: Denial) -> tuple[Any, ...]:
    _code, heading, text = SHARE_PROBLEMS.get(denial.reason, SHARE_PROBLEMS["unknown"])
    problem = components.message([html.Strong(heading), html.Div(text)], "warning")
    return problem, HIDDEN, "", "", None


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/s/<token>",
        name="Shared experiment",
        title="Shared experiment · OptunaGui",
        layout=layout,
    )

    @guard.guarded_callback(
        app,
        requires=guard.share_link("token"),
        output=[
            Output(ids.problem, "children"),
            Output(ids.body, "style"),
            Output(ids.title, "children"),
            Output(ids.description, "children"),
            Output(ids.runs, "children"),
        ],
        inputs={"poll": Input(ids.poll, "n_intervals")},
        state={"token": State(ids.token, "data")},
        on_denied=_denied,
    )
    def show_shared(access: Access, poll: Any, token: Any) -> Any:
        assert access.experiment_id is not None
        with services.database().session() as session:
            header = queries.get_experiment_header(session, access.experiment_id)
            runs = queries.list_run_rows(session, access.experiment_id)
            found = experiment_store.get_experiment(session, access.experiment_id)
            baseline_id = found.baseline_run_id if found is not None else None
        if header is None:
            return _denied(Denial("unknown"))
        return (
            None,
            {},
            header.name,
            header.description,
            components.runs_table(runs, link_runs=False, baseline_id=baseline_id),
        )
