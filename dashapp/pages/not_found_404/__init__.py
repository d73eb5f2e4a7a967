"""The page Dash shows for a path no page claims."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashapp.paths import app_path

__all__ = ["layout", "register"]


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            html.H2("Page not found"),
            html.P(
                ["There is nothing here. ",
                 dcc.Link("Back to experiments", href=app_path("/experiments"))]
            ),
        ],
        id="not-found",
    )


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__, path="/404", name="Not found", title="Not found · OptunaGui", layout=layout
    )
