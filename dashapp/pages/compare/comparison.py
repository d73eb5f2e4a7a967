"""The compare page's main callbacks: the comparison of the readable runs (with the pinned
baseline unless the switch leaves it out) and the download of one of its figures.

Both need only a signed-in user or a share-link visitor (``guard.reader``); every run id then
goes through ``dashapp.access`` (``selection.compared_runs``): runs the user may not read are
refused by id, with the same words whether they exist or not, and nothing of them is shown.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashapp import components, guard
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import html_download
from dashapp.guard import Access, Denial
from dashapp.pages.compare.ids import FIGURES, ids
from dashapp.pages.compare.selection import Baselines, Compared, Selection, compared_runs
from dashapp.pages.compare.spec_diff import setup_table
from dashapp.pages.compare.views import (
    Comparison,
    build_comparison,
    comparison_figure,
    side_by_side_table,
    stats_notes,
    stats_table,
)

__all__ = [
    "COMPARISON_OUTPUTS",
    "build_compared",
    "download_comparison",
    "register_comparison_callbacks",
    "show_comparison",
]

COMPARISON_OUTPUTS = {
    "problem": Output(ids.problem, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "table": Output(ids.table, "children"),
    "overlay_number": Output(ids.overlay_number, "figure"),
    "overlay_time": Output(ids.overlay_time, "figure"),
    "stats_notes": Output(ids.stats_notes, "children"),
    "stats_table": Output(ids.stats_table, "children"),
    "stats_graph": Output(ids.stats_graph, "figure"),
    "baseline_box": Output(ids.baseline_box, "style"),
    "baseline_note": Output(ids.baseline_note, "children"),
    "reevaluate_card": Output(ids.reevaluate_card, "style"),
}


def _nothing(problem: Any) -> dict[str, Any]:
    shown: dict[str, Any] = dict.fromkeys(COMPARISON_OUTPUTS, dash.no_update)
    shown.update(problem=problem, body=HIDDEN, baseline_box=HIDDEN, baseline_note=None)
    return shown


def _denied(_denial: Denial) -> dict[str, Any]:
    return _nothing(components.message("Sign in to compare runs.", "warning"))


def build_compared(compared: Compared) -> Comparison | None:
    """The comparison of the runs to show, or None when there are none."""
    if not compared.run_ids:
        return None
    return build_comparison(compared.run_ids, compared.used.pinned, compared.used.reference)


def _baseline_note(found: Baselines, used: Baselines, comparison: Comparison) -> Any:
    if found.unlike:
        return ("The pinned baseline is left out: it is set up for another task or metric ("
                + "; ".join(found.unlike) + ").")
    if not found.pinned:
        return None
    if not used.pinned:
        return "The pinned baseline is left out: the tests compare every pair of runs."
    if comparison.baseline is None:
        return "The baseline is shown but cannot be tested against: every pair is compared."
    return f"The tests compare each run against {comparison.baseline}."


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


def show_comparison(access: Access, runs: Any, include: Any) -> dict[str, Any]:
    compared = compared_runs(access.principal, runs, include)
    problems = _problems(compared.selection)
    comparison = build_compared(compared)
    if comparison is None:
        return _nothing(problems or None)
    if len(comparison.runs) < 2:
        problems.append(components.message(
            "Only one run to show: add another readable run to compare.", "info"))
    return {
        "problem": problems or None,
        "body": SHOWN,
        "title": "Comparing " + ", ".join(run.label for run in comparison.runs)
                 + f" on {comparison.record.metric}.",
        "table": html.Div([
            setup_table([run.label for run in comparison.runs],
                        [run.spec for run in comparison.runs]),
            side_by_side_table(comparison.record, [run.spec for run in comparison.runs])]),
        "overlay_number": comparison_figure(comparison, "overlay-number"),
        "overlay_time": comparison_figure(comparison, "overlay-time"),
        "stats_notes": stats_notes(comparison.notes),
        "stats_table": stats_table(comparison.results),
        "stats_graph": comparison_figure(comparison, "stats"),
        "baseline_box": SHOWN if compared.found.pinned or compared.found.unlike else HIDDEN,
        "baseline_note": _baseline_note(compared.found, compared.used, comparison),
        # Re-evaluating starts work on the server: for accounts, not for share-link visitors.
        "reevaluate_card": SHOWN if access.principal.is_user else HIDDEN,
    }


def download_comparison(access: Access, clicks: Any, runs: Any, include: Any) -> dict[str, Any]:
    name = clicked_choice(clicks, "figure", FIGURES)
    comparison = build_compared(compared_runs(access.principal, runs, include))
    if comparison is None:
        raise dash.exceptions.PreventUpdate
    ids_text = "-".join(str(run_id) for run_id in comparison.run_ids)
    return html_download(comparison_figure(comparison, name), f"compare-{ids_text}-{name}",
                         FIGURES[name])


def register_comparison_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.reader(),
        output=COMPARISON_OUTPUTS,
        inputs={"runs": Input(ids.runs, "data"),
                "include": Input(ids.include_baseline, "value")},
        on_denied=_denied,
    )(show_comparison)
    guard.guarded_callback(
        app,
        requires=guard.reader(),
        output=Output(ids.download, "data"),
        inputs={"clicks": Input({"type": ids.download_button, "figure": ALL}, "n_clicks")},
        state={"runs": State(ids.runs, "data"),
               "include": State(ids.include_baseline, "value")},
        prevent_initial_call=True,
    )(download_comparison)
