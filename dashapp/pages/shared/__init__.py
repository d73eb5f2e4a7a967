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
from dashapp.code_runs import list_code_runs
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.code import code_facts, code_file_table, code_label
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
    code = "shared-code"


SHARED_OUTPUTS = {
    "problem": Output(ids.problem, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "description": Output(ids.description, "children"),
    "runs": Output(ids.runs, "children"),
    "code": Output(ids.code, "children"),
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
                    html.Div(id=ids.code),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def _denied(denial: Denial) -> dict[str, Any]:
    _code, heading, text = SHARE_PROBLEMS.get(denial.reason, SHARE_PROBLEMS["unknown"])
    problem = components.message([html.Strong(heading), html.Div(text)], "warning")
    return {"problem": problem, "body": HIDDEN, "title": "", "description": "", "runs": None,
            "code": None}


def _code_section(found: list[Any]) -> Any:
    """Each code run's version, entry point and files (never their source)."""
    if not found:
        return None
    items = [
        html.Details(
            [html.Summary([f"#{run_id} {name}", code_label(summary.objective.function)]),
             html.Div([code_facts(summary), code_file_table(summary)], className="mt-2")],
            className="mb-2",
        )
        for run_id, name, summary in found
    ]
    return [html.H4("Code", className="mt-3"), *items]


def show_shared(access: Access, poll: Any, token: Any) -> dict[str, Any]:
    assert access.experiment_id is not None
    with services.database().session() as session:
        found = read_experiment_runs(session, access.experiment_id)
        code_runs = list_code_runs(session, access.experiment_id) if found is not None else []
    if found is None:
        return _denied(Denial("unknown"))
    return {
        "problem": None,
        "body": SHOWN,
        "title": found.header.name,
        "description": found.header.description,
        "runs": components.runs_table(found.runs, link_runs=False, baseline_id=found.baseline_id),
        "code": _code_section(code_runs),
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
