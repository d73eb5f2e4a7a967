"""Compare page (/compare?runs=3,7,9): runs side by side, their best-so-far curves overlaid,
and a paired statistical comparison of their best trials' per-fold scores.

A baseline pinned in a compared run's experiment joins the comparison, marked "(baseline)",
and the statistics test each run against it; ``baseline=0`` in the URL (or the switch) leaves
it out. The best configurations can be re-evaluated over several seeds for more pairs
(``_compare_reevaluate``): the callback starts it, a timer polls for the result.

The URL is shareable: the layout holds only the ``runs`` text from it. The callbacks need a
signed-in user and then check every run id on its own (``_compare_access``): runs the user
may not read are refused by id, with the same words whether they exist or not, and nothing
of them is shown.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard
from dashapp.access import may_read_run
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_button, html_download
from dashapp.guard import Access, Denial
from dashapp.pages.compare import reevaluate as reevaluation
from dashapp.pages.compare.ids import FIGURES, ids
from dashapp.pages.compare.selection import (
    MAX_RUNS,
    Baselines,
    Selection,
    find_baselines,
    include_baseline,
    select_runs,
)
from dashapp.pages.compare.views import (
    Comparison,
    build_comparison,
    comparison_figure,
    side_by_side_table,
    stats_notes,
    stats_table,
)
from dashapp.permissions import Principal
from optunagui.analysis.reevaluate import MAX_SEEDS, MIN_SEEDS, check_seed_count

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
                dcc.Interval(id=ids.reevaluate_poll, interval=2_000, disabled=True),
            ]),
        ],
        class_name="mb-3",
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
                    _reevaluate_card(),
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
    Output(ids.baseline_box, "style"),
    Output(ids.baseline_note, "children"),
]


def _nothing(problem: Any) -> tuple[Any, ...]:
    return (problem, HIDDEN, *([dash.no_update] * (len(OUTPUTS) - 4)), HIDDEN, None)


def _compared(principal: Principal, runs: Any,
              include: Any) -> tuple[Selection, Baselines, tuple[int, ...], Baselines]:
    """The selection, the pinned baselines found, the runs to show (added baselines first)
    and the baselines in use (none when the switch is off)."""
    selection = select_runs(principal, runs)
    found = find_baselines(principal, selection.readable) if selection.readable else Baselines()
    used = found if include_baseline(include) else Baselines()
    return selection, found, used.added + selection.readable, used


def _build(run_ids: tuple[int, ...], used: Baselines) -> Comparison | None:
    if not run_ids:
        return None
    return build_comparison(run_ids, used.pinned, used.reference)


def _baseline_note(found: Baselines, used: Baselines, comparison: Comparison) -> Any:
    if not found.pinned:
        return None
    if not used.pinned:
        return "The pinned baseline is left out: the tests compare every pair of runs."
    if comparison.baseline is None:
        return "The baseline is shown but cannot be tested against: every pair is compared."
    return f"The tests compare each run against {comparison.baseline}."


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
        inputs={"runs": Input(ids.runs, "data"),
                "include": Input(ids.include_baseline, "value")},
        on_denied=_denied,
    )
    def show_comparison(access: Access, runs: Any, include: Any) -> Any:
        selection, found, run_ids, used = _compared(access.principal, runs, include)
        problems = _problems(selection)
        comparison = _build(run_ids, used)
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
            SHOWN if found.pinned else HIDDEN,
            _baseline_note(found, used, comparison),
        )

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=Output(ids.download, "data"),
        inputs={"clicks": Input({"type": ids.download_button, "figure": ALL}, "n_clicks")},
        state={"runs": State(ids.runs, "data"),
               "include": State(ids.include_baseline, "value")},
        prevent_initial_call=True,
    )
    def download(access: Access, clicks: Any, runs: Any, include: Any) -> Any:
        name = clicked_choice(clicks, "figure", FIGURES)
        _, _, run_ids, used = _compared(access.principal, runs, include)
        comparison = _build(run_ids, used)
        if comparison is None:
            raise dash.exceptions.PreventUpdate
        ids_text = "-".join(str(run_id) for run_id in comparison.run_ids)
        return html_download(comparison_figure(comparison, name), f"compare-{ids_text}-{name}",
                             FIGURES[name])

    _register_reevaluation(app)


REEVALUATE_OUTPUTS = [
    Output(ids.reevaluate_feedback, "children"),
    Output(ids.reevaluate_job, "data"),
    Output(ids.reevaluate_poll, "disabled"),
    Output(ids.reevaluate_result, "children"),
]


def _refuse(text: str, color: str = "warning") -> tuple[Any, ...]:
    return (components.message(text, color, id="compare-reevaluate-refused"), None, True,
            None)


def _register_reevaluation(app: dash.Dash) -> None:
    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=REEVALUATE_OUTPUTS,
        inputs={"clicks": Input(ids.reevaluate, "n_clicks")},
        state={"runs": State(ids.runs, "data"),
               "include": State(ids.include_baseline, "value"),
               "seeds": State(ids.seeds, "value")},
        prevent_initial_call=True,
    )
    def start_reevaluation(access: Access, clicks: Any, runs: Any, include: Any,
                           seeds: Any) -> Any:
        if not clicks:
            raise dash.exceptions.PreventUpdate
        selection, _, run_ids, used = _compared(access.principal, runs, include)
        if selection.problem or selection.refused:
            return _refuse("Re-evaluation needs every listed run to be one you may read.")
        n_seeds, problem = check_seed_count(seeds)
        if n_seeds is None:
            return _refuse(problem or "Number of seeds: invalid.", "danger")
        if len(run_ids) < 2:
            return _refuse("Re-evaluation needs at least two runs to compare.")
        key, configurations = reevaluation.job_for(run_ids, used.pinned, n_seeds)
        job, why = reevaluation.start_job(key, configurations)
        if job is None:
            return _refuse(why or "The re-evaluation could not start.")
        reference = configurations.get(used.reference) if used.reference is not None else None
        request = reevaluation.JobRequest(run_ids, used.pinned,
                                          used.reference if reference else None, n_seeds)
        return (None, request.to_data(), not job.running,
                reevaluation.reevaluation_view(job, reference.label if reference else None))

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[
            Output(ids.reevaluate_result, "children", allow_duplicate=True),
            Output(ids.reevaluate_poll, "disabled", allow_duplicate=True),
        ],
        inputs={"tick": Input(ids.reevaluate_poll, "n_intervals")},
        state={"job": State(ids.reevaluate_job, "data")},
        prevent_initial_call=True,
    )
    def poll_reevaluation(access: Access, tick: Any, job: Any) -> Any:
        request = reevaluation.JobRequest.from_data(job, 2 * MAX_RUNS)
        if request is None or not all(may_read_run(access.principal, run_id)
                                      for run_id in request.run_ids):
            return None, True
        key, configurations = reevaluation.job_for(request.run_ids, request.baselines,
                                                   request.n_seeds)
        reference = request.reference
        found = reevaluation.reevaluation_cache().get(key)
        if found is None:
            return components.message(
                "The runs changed since this re-evaluation started, or the server restarted: "
                "press Re-evaluate again.", "warning", id="compare-reevaluate-lost"), True
        label = configurations[reference].label if reference in configurations else None
        return reevaluation.reevaluation_view(found, label), not found.running
