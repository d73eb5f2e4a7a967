"""The run page's layout: the shell every view is drawn into, holding only the id from the URL."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp import components
from dashapp.components.notes import notes_card
from dashapp.pages.run.code_card import code_card
from dashapp.pages.run.controls import controls_card
from dashapp.pages.run.exports import exports_menu
from dashapp.pages.run.ids import NOTE_IDS, ids
from dashapp.pages.run.model_versions import models_card
from dashapp.pages.run.next_run_card import next_run_card
from dashapp.pages.run.progress import progress_card
from dashapp.pages.run.replay import replay_slots
from dashapp.pages.run.similar_card import similar_card
from dashapp.pages.run.trials_table import trials_grid

__all__ = ["POLL_MS", "layout"]

POLL_MS = 1000


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure={"data": [], "layout": {}}, config={"displaylogo": False})


def _card(title: str, body: list[Any], **kwargs: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], class_name="mb-3", **kwargs)


def _title_row() -> html.Div:
    return html.Div(
        [
            html.H2(id=ids.title, className="mb-1 d-inline me-3"),
            html.Span(id=ids.kind, className="me-3"),
            html.Span(id=ids.links),
            exports_menu(),
            replay_slots(),
        ],
        className="mb-2",
    )


def _scatter_card() -> dbc.Card:
    axes = dbc.Row(
        [
            dbc.Col(dcc.Dropdown(id=ids.scatter_x, clearable=False)),
            dbc.Col(dcc.Dropdown(id=ids.scatter_y, clearable=False)),
        ],
        class_name="mb-2",
    )
    return _card("Parameter space", [axes, _graph(ids.scatter)])


def _plots() -> list[dbc.Row]:
    return [
        dbc.Row(
            [
                dbc.Col(_card("Optimization history", [_graph(ids.history)]), lg=6),
                dbc.Col(_card("Intermediate values (recent trials)", [_graph(ids.curves)]), lg=6),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(_scatter_card(), lg=6),
                dbc.Col(_card("Trials per worker", [_graph(ids.timeline)]), lg=6),
            ]
        ),
    ]


def _trials_card() -> dbc.Card:
    return _card("Trials", [trials_grid(), html.Div(id=ids.detail, className="mt-2")])


def _trial_number(text: Any) -> int | None:
    """``?trial=N``: the trial whose detail the page opens with, or None."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 10:
        return int(text)
    return None


def layout(run_id: str | None = None, trial: Any = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.run, data=run_id),
            dcc.Store(id=ids.linked_trial, data=_trial_number(trial)),
            dcc.Store(id=ids.state, data=None),
            dcc.Store(id=ids.clock, data=None),
            dcc.Store(id=ids.scatter_axes, data=None),
            dcc.Store(id=ids.deferred, data=None),
            dcc.Store(id=ids.grid_refreshed, data=None),
            dcc.Interval(id=ids.poll, interval=POLL_MS, disabled=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    _title_row(),
                    progress_card(),
                    controls_card(),
                    code_card(),
                    *_plots(),
                    _trials_card(),
                    models_card(),
                    similar_card(),
                    next_run_card(),
                    notes_card(NOTE_IDS, trials=True),
                ],
                id=ids.body,
                style=components.HIDDEN,
            ),
        ]
    )
