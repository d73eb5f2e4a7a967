"""The shared view's layout: only the token from the URL, and the parts the callbacks fill."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.pages.shared.ids import ids
from dashapp.pages.shared.report import report_menu
from dashapp.paths import app_path

__all__ = ["layout"]


def _compare_box() -> html.Div:
    return html.Div(
        [
            dcc.Checklist(id=ids.compare_runs, options=[], value=[], inline=True,
                          inputClassName="me-1", labelClassName="me-3"),
            dcc.Link("Compare selected", href=app_path("/compare"), id=ids.compare_link,
                     className="btn btn-sm btn-outline-primary disabled mt-2"),
        ],
        id=ids.compare_box,
        className="mt-2",
        style=HIDDEN,
    )


def layout(token: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.token, data=token),
            dcc.Interval(id=ids.poll, interval=30_000),
            html.Div(id=ids.problem),
            html.Div(
                [
                    html.Div("Shared read-only view", className="text-muted small"),
                    html.Div([html.H2(id=ids.title, className="mb-1 d-inline"), report_menu()],
                             className="mb-1"),
                    html.P(id=ids.description, className="text-muted"),
                    dbc.Card(
                        [dbc.CardHeader("Runs"),
                         dbc.CardBody([html.Div(id=ids.runs), _compare_box()])],
                        class_name="mb-3",
                    ),
                    html.Div(id=ids.code),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )
