"""The compare page's layout: the ``runs`` text from the URL, the baseline switch, and the
cards the callbacks fill (side by side, overlays, statistics, re-evaluation)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.components.downloads import download_button
from dashapp.pages.compare.ids import FIGURES, ids
from dashapp.pages.compare.selection import include_baseline
from optunagui.analysis.reevaluate import MAX_SEEDS, MIN_SEEDS

__all__ = ["REEVALUATE_POLL_MS", "layout"]

REEVALUATE_POLL_MS = 2_000


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure={"data": [], "layout": {}}, config={"displaylogo": False})


def _card(title: str, body: list[Any], figure: str) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(title),
            dbc.CardBody([*body, download_button(ids.download_button, figure)]),
        ],
        class_name="mb-3",
    )


def _baseline_box(switch_on: bool) -> html.Div:
    return html.Div(
        [
            dbc.Switch(id=ids.include_baseline, label="Include the baseline", value=switch_on,
                       class_name="mb-1"),
            html.Div(id=ids.baseline_note, className="text-muted small"),
        ],
        id=ids.baseline_box,
        className="mb-3",
        style=HIDDEN,
    )


def _reevaluate_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Re-evaluate the best configurations over several seeds"),
            dbc.CardBody([
                html.P("Each best configuration is cross-validated again with seeds 1..N (the "
                       "same split for every run per seed), so the tests get N × folds pairs.",
                       className="text-muted small"),
                dbc.InputGroup(
                    [
                        dbc.InputGroupText("Number of seeds"),
                        dbc.Input(id=ids.seeds, type="number", min=MIN_SEEDS, max=MAX_SEEDS,
                                  step=1, value=3, style={"maxWidth": "7rem"}),
                        dbc.Button("Re-evaluate", id=ids.reevaluate, color="secondary"),
                    ],
                    size="sm", class_name="mb-2", style={"maxWidth": "28rem"},
                ),
                html.Div(id=ids.reevaluate_feedback),
                html.Div(id=ids.reevaluate_result),
                dcc.Store(id=ids.reevaluate_job),
                dcc.Interval(id=ids.reevaluate_poll, interval=REEVALUATE_POLL_MS,
                             disabled=True),
            ]),
        ],
        id=ids.reevaluate_card,
        class_name="mb-3",
    )


def _overlays() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(_card(FIGURES[name], [_graph(graph_id)], name), lg=6)
            for name, graph_id in (("overlay-number", ids.overlay_number),
                                   ("overlay-time", ids.overlay_time))
        ]
    )


def layout(runs: str | None = None, baseline: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.runs, data=runs),
            dcc.Download(id=ids.download),
            html.H2("Compare runs", className="mb-3"),
            html.Div(id=ids.problem),
            _baseline_box(include_baseline(baseline)),
            html.Div(
                [
                    html.Div(id=ids.title, className="text-muted small mb-2"),
                    _card("Side by side", [html.Div(id=ids.table)], "table"),
                    _overlays(),
                    _card(
                        "Statistical comparison of the best trials (per-fold scores)",
                        [html.Div(id=ids.stats_notes), html.Div(id=ids.stats_table),
                         _graph(ids.stats_graph)],
                        "stats",
                    ),
                    _reevaluate_card(),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )
