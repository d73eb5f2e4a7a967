"""Compare page (/compare?runs=3,7,9): runs side by side, their best-so-far curves overlaid,
and a paired statistical comparison of their best trials' per-fold scores.

The URL is shareable: the layout holds only the ``runs`` text from it. The callbacks need a
signed-in user and then check every run id on its own (``_compare_access``): runs the user
may not read are refused by id, with the same words whether they exist or not, and nothing
of them is shown.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard
from dashapp.downloads import download_button, html_download
from dashapp.guard import Access, Denial
from dashapp.pages._compare_access import Selection, select_runs
from dashapp.pages._compare_ids import FIGURES, ids
from dashapp.pages._compare_views import (
    build_comparison,
    comparison_figure,
    side_by_side_table,
    stats_notes,
    stats_table,
)

__all__ = ["ids", "layout", "register"]

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}


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


def layout(runs: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.runs, data=runs),
            dcc.Download(id=ids.download),
            html.H2("Compare runs", className="mb-3"),
            html.Div(id=ids.problem),
            html.Div(
                [
                    html.Div(id=ids.title, className="text-muted small mb-2"),
                    _card("Side by side", [html.Div(id=ids.table)], "table"),
                    dbc.Row(
                        [
                            dbc.Col(_card(FIGURES["overlay-number"], [_graph(ids.overlay_number)],
                                          "overlay-number"), lg=6),
                            dbc.Col(_card(FIGURES["overlay-time"], [_graph(ids.overlay_time)],
                                          "overlay-time"), lg=6),
                        ]
                    ),
                    _card(
                        "Statistical comparison of the best trials (per-fold scores)",
                        [html.Div(id=ids.stats_notes), html.Div(id=ids.stats_table),
                         _graph(ids.stats_graph)],
                        "stats",
                    ),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


OUTPUTS = [
    Output(ids.problem, "children"),
    Output(ids.body, "style"),
    Output(ids.title, "children"),
    Output(ids.table, "children"),
    Output(ids.overlay_number, "figure"),
    Output(ids.overlay_time, "figure"),
    Output(ids.stats_notes, "children"),
    Output(ids.stats_table, "children"),
    Output(ids.stats_graph, "figure"),
]


def _nothing(problem: Any) -> tuple[Any, ...]:
    return (problem, HIDDEN, *([dash.no_update] * (len(OUTPUTS) - 2)))


def _denied(_denial: Denial) -> tuple[Any, ...]:
    return _nothing(components.message("Sign in to compare runs.", "warning"))


def _problems(selection: Selection) -> list[Any]:
    found: list[Any] = []
    if selection.problem:
        found.append(components.message(selection.problem, "info", id="compare-hint"))
    if selection.refused:
        names = ", ".join(selection.refused)
        plural = "s" if len(selection.refused) > 1 else ""
        found.append(components.message(
            f"Run{plural} {names}: not shown — no such run, or you have no access to it.",
            "warning", id="compare-refused"))
    return found


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path="/compare",
        name="Compare",
        title="Compare runs · OptunaGui",
        layout=layout,
        nav_label="Compare",
        nav_order=20,
    )

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=OUTPUTS,
        inputs={"runs": Input(ids.runs, "data")},
        on_denied=_denied,
    )
    def show_comparison(access: Access, runs: Any) -> Any:
        selection = select_runs(access.principal, runs)
        problems = _problems(selection)
        comparison = build_comparison(selection.readable) if selection.readable else None
        if comparison is None:
            return _nothing(problems or None)
        if len(comparison.runs) < 2:
            problems.append(components.message(
                "Only one run to show: add another readable run to compare.", "info"))
        return (
            problems or None,
            SHOWN,
            "Comparing " + ", ".join(run.label for run in comparison.runs)
            + f" on {comparison.record.metric}.",
            side_by_side_table(comparison.record),
            comparison_figure(comparison, "overlay-number"),
            comparison_figure(comparison, "overlay-time"),
            stats_notes(comparison.notes),
            stats_table(comparison.results),
            comparison_figure(comparison, "stats"),
        )

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=Output(ids.download, "data"),
        inputs={"clicks": Input({"type": ids.download_button, "figure": ALL}, "n_clicks")},
        state={"runs": State(ids.runs, "data")},
        prevent_initial_call=True,
    )
    def download(access: Access, clicks: Any, runs: Any) -> Any:
        trigger = ctx.triggered_id
        name = trigger.get("figure") if isinstance(trigger, dict) else None
        if name not in FIGURES or not any(isinstance(c, int) and c > 0 for c in clicks or []):
            raise dash.exceptions.PreventUpdate
        selection = select_runs(access.principal, runs)
        comparison = build_comparison(selection.readable) if selection.readable else None
        if comparison is None:
            raise dash.exceptions.PreventUpdate
        ids_text = "-".join(str(run_id) for run_id in selection.readable)
        return html_download(comparison_figure(comparison, name), f"compare-{ids_text}-{name}",
                             FIGURES[name])
