"""The run analysis page's layout: the run id from the URL, a header and one tab per view.

Every figure sits in a card with its "Download HTML" button; the tabs start empty and their
callbacks draw them once the header has checked the run.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.components.downloads import download_button
from dashapp.pages.analysis.features import features_tab
from dashapp.pages.analysis.figures import TITLES
from dashapp.pages.analysis.ids import DIAGNOSIS_FIGURES, ids
from dashapp.pages.analysis.importance import METHODS
from dashapp.pages.analysis.tradeoff import tradeoff_tab

__all__ = ["IMPORTANCE_POLL_MS", "figure_card", "layout"]

IMPORTANCE_POLL_MS = 2000


def figure_card(name: str, text_id: str | None = None, height: str | None = None) -> dbc.Card:
    """The card of figure ``name``: an optional line of text, the graph, its download button."""
    body: list[Any] = []
    if text_id is not None:
        body.append(html.Div(id=text_id, className="small mb-2"))
    body.append(
        dcc.Loading(
            dcc.Graph(
                id=ids.graph(name),
                figure={"data": [], "layout": {}},
                config={"displaylogo": False},
                style={"height": height} if height else None,
            )
        )
    )
    body.append(download_button(ids.download_button, name))
    return dbc.Card([dbc.CardHeader(TITLES[name]), dbc.CardBody(body)], class_name="mb-3")


def _dropdown(component_id: str, label: str, **kwargs: Any) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=component_id, class_name="small mb-0"),
         dcc.Dropdown(id=component_id, clearable=False, **kwargs)],
        md=3,
    )


def _params_tab() -> list[Any]:
    return [
        dbc.Row(
            [_dropdown(ids.x_param, "X parameter"), _dropdown(ids.y_param, "Y parameter")],
            class_name="mb-3",
        ),
        dbc.Row(
            [dbc.Col(figure_card("scatter"), lg=6), dbc.Col(figure_card("contour"), lg=6)]
        ),
        figure_card("slice"),
        figure_card("history"),
    ]


def _importance_tab() -> list[Any]:
    return [
        dcc.Interval(id=ids.importance_poll, interval=IMPORTANCE_POLL_MS, disabled=True),
        dbc.Row(
            dbc.Col(
                dbc.RadioItems(id=ids.method, options=METHODS, value="fanova", inline=True),
                md=6,
            ),
            class_name="mb-2",
        ),
        figure_card("importance", ids.importance_note),
        dbc.Card(
            [dbc.CardHeader("Refinement advice"), dbc.CardBody(html.Div(id=ids.advice))],
            class_name="mb-3",
        ),
    ]


def _diagnosis_tab() -> list[Any]:
    cards = [dbc.Col(figure_card(name, ids.verdict(name)), lg=6) for name in DIAGNOSIS_FIGURES]
    return [dbc.Row(cards[:2]), dbc.Row(cards[2:])]


def _tabs() -> dbc.Tabs:
    return dbc.Tabs(
        [
            dbc.Tab(_params_tab(), label="Parameter space", tab_id="params"),
            dbc.Tab(figure_card("parallel"), label="Parallel coordinates", tab_id="parallel"),
            dbc.Tab(_importance_tab(), label="Importance", tab_id="importance"),
            dbc.Tab(_diagnosis_tab(), label="Diagnosis", tab_id="diagnosis"),
            dbc.Tab(features_tab(figure_card), label="Features", tab_id="features",
                    id=ids.features_tab),
            dbc.Tab(tradeoff_tab(), label="Trade-offs", tab_id="tradeoffs"),
            dbc.Tab(
                [html.Div(id=ids.pareto_note, className="small mb-2"), figure_card("pareto")],
                label="Pareto",
                tab_id="pareto",
                id=ids.pareto_tab,
                tab_style=HIDDEN,
            ),
        ],
        id=ids.tabs,
        active_tab="params",
        class_name="mb-3",
    )


def layout(run_id: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.run, data=run_id),
            dcc.Store(id=ids.drawn_axes, data=None),
            dcc.Store(id=ids.drawn_params, data=None),
            dcc.Download(id=ids.download),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(id=ids.title, className="mb-1 d-inline me-3"),
                            html.Span(id=ids.links),
                        ],
                        className="mb-2",
                    ),
                    html.Div(id=ids.summary, className="text-muted small mb-2"),
                    dbc.Row(_dropdown(ids.objective, "Objective"), class_name="mb-3"),
                    _tabs(),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )
