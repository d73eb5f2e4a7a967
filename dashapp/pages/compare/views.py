"""The compare page's content for a set of readable runs: the side-by-side table, the
best-so-far overlays and the paired statistics on the best trials' fold scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from dashapp import components, services
from dashapp.analysis_state import load_run_frame
from dashapp.code_runs import code_objective
from dashapp.components.code import code_label
from optunagui import analysis
from optunagui.analysis import PairedComparison, RunInput, SideBySideRecord, TrialFrame
from optunagui.analysis.best_trials import compare_best_trials
from optunagui.store import runs as run_store

__all__ = ["BASELINE_MARK", "QUICK_MARK", "Comparison", "build_comparison", "comparison_figure",
           "format_seconds", "read_run", "run_label", "side_by_side_table", "stats_notes",
           "stats_table"]


BASELINE_MARK = " (baseline)"
QUICK_MARK = " [quick]"


@dataclass(frozen=True)
class Comparison:
    runs: tuple[RunInput, ...]
    record: SideBySideRecord
    results: tuple[PairedComparison, ...]
    notes: tuple[str, ...]  # why some runs are left out of the statistics
    run_ids: tuple[int, ...] = ()  # in the order of `runs`
    baseline: str | None = None  # the label the statistics compare the others against


def run_label(run_id: int, name: str, is_baseline: bool, *, quick: bool = False) -> str:
    return (f"#{run_id} {name}" + (QUICK_MARK if quick else "")
            + (BASELINE_MARK if is_baseline else ""))


def read_run(run_id: int) -> tuple[str, dict[str, Any], TrialFrame] | None:
    """The run's name, spec and (cached) frame, or None when there is no such run."""
    with services.database().session() as session:
        run = run_store.get_run(session, run_id)
        if run is None:
            return None
        name, spec = run.name, dict(run.spec or {})
    return name, spec, load_run_frame(run_id)


def _run_input(run_id: int, is_baseline: bool = False) -> RunInput | None:
    found = read_run(run_id)
    if found is None:
        return None
    name, spec, frame = found
    best = frame.best_index(0)
    final: dict[int, dict[str, Any]] = {}
    if best is not None:
        with services.database().session() as session:
            final = analysis.load_final_metrics(session, run_id, [int(frame.number[best])])
    label = run_label(run_id, name, is_baseline, quick=bool(spec.get("quick")))
    return RunInput(label, frame, spec, final)


def build_comparison(run_ids: tuple[int, ...], baselines: tuple[int, ...] = (),
                     reference: int | None = None) -> Comparison | None:
    """The comparison of ``run_ids``; ``baselines`` are marked, and the statistics test each
    run against ``reference`` (one of them) instead of all pairs."""
    found = [(run_id, _run_input(run_id, run_id in baselines)) for run_id in run_ids]
    kept = [(run_id, run) for run_id, run in found if run is not None]
    if not kept:
        return None
    runs = [run for _, run in kept]
    baseline = next((run.label for run_id, run in kept if run_id == reference), None)
    record = analysis.compute_side_by_side(runs)
    results, notes = compare_best_trials(runs, baseline=baseline)
    tested_against = baseline if any(r.label_a == baseline for r in results) else None
    return Comparison(tuple(runs), record, tuple(results), tuple(notes),
                      tuple(run_id for run_id, _ in kept), tested_against)


def comparison_figure(comparison: Comparison, name: str) -> go.Figure:
    if name == "table":
        return analysis.draw_side_by_side(comparison.record)
    if name == "overlay-number":
        return analysis.draw_overlay(analysis.compute_overlay(comparison.runs, by="number"))
    if name == "overlay-time":
        return analysis.draw_overlay(analysis.compute_overlay(comparison.runs, by="time"))
    if name == "stats":
        return analysis.draw_comparisons(comparison.results)
    raise KeyError(name)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return components.format_value(value)
    return str(value)


def format_seconds(value: float | None) -> str:
    """``42.0 s`` up to two minutes, ``3.5 min`` past them; None gives a dash."""
    if value is None:
        return "—"
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.1f} s"


def _model_cells(record: SideBySideRecord, specs: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The built-in model of each run, or "your code" and the entry point of a code run."""
    cells: list[Any] = []
    for j, model in enumerate(record.models):
        objective = code_objective(specs[j]) if j < len(specs) else None
        cells.append(code_label(objective.function) if objective is not None else _cell(model))
    return cells


def side_by_side_table(record: SideBySideRecord,
                       specs: Sequence[Mapping[str, Any]] = ()) -> dbc.Table:
    """One column per run; rows of differing best parameters highlighted (``table-warning``).

    ``specs`` (the runs' stored specs, in the record's order) name the entry point of runs of
    the user's own code in the "Model" row.
    """
    n = len(record.labels)
    best_runs = set(record.best_of_family.values())
    rows: list[tuple[str, list[Any], bool]] = [
        ("Model", _model_cells(record, specs), False),
        (f"Best {record.metric}", [_cell(v) for v in record.best_values], False),
        ("Best trial", [_cell(v) for v in record.best_numbers], False),
    ]
    rows += [(name, [_cell(v) for v in values], False) for name, values in record.metrics.items()]
    rows += [(f"param: {name}", [_cell(v) for v in values], name in record.differing)
             for name, values in record.params.items()]
    counts = record.counts
    rows.append(("Trials complete / pruned / failed",
                 [f"{counts['complete'][j]} / {counts['pruned'][j]} / {counts['failed'][j]}"
                  for j in range(n)], False))
    rows.append(("Budget (trials)", [_cell(v) for v in record.budgets], False))
    rows.append(("Wall time", [format_seconds(v) for v in record.wall_s], False))
    rows.append(("Compute time", [format_seconds(v) for v in record.compute_s], False))
    rows.append(("Best of its model family", ["★" if label in best_runs else ""
                                              for label in record.labels], False))
    header = html.Thead(html.Tr([html.Th("")] + [html.Th(label) for label in record.labels]))
    body = html.Tbody([
        html.Tr([html.Th(name, scope="row")] + [html.Td(cell) for cell in cells],
                className="table-warning compare-differs" if differs else None)
        for name, cells, differs in rows
    ])
    return dbc.Table([header, body], bordered=True, hover=True, size="sm", responsive=True,
                     id="compare-side-by-side")


def _p(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.3g}"


def stats_table(results: tuple[PairedComparison, ...]) -> Any:
    if not results:
        return None
    headers = ["Comparison", "Folds", "Mean difference", "95% CI", "t-test p", "Wilcoxon p",
               "Holm-adjusted p", "Cohen's d_z", "Verdict"]
    rows = []
    for r in results:
        if r.refused:
            rows.append([f"{r.label_b} vs {r.label_a}", str(r.n), "—", "—", "—", "—", "—", "—",
                         r.verdict])
            continue
        rows.append([
            f"{r.label_b} vs {r.label_a}", str(r.n), f"{r.diff:+.4g}",
            f"[{r.ci_low:+.4g}, {r.ci_high:+.4g}]", _p(r.p_value), _p(r.p_wilcoxon),
            _p(r.p_adjusted), _p(r.cohen_dz), html.Strong(r.verdict),
        ])
    return components.table(headers, rows, id="compare-stats-results")


def stats_notes(notes: tuple[str, ...]) -> Any:
    if not notes:
        return None
    return html.Ul([html.Li(note) for note in notes], className="mb-2 text-muted",
                   id="compare-stats-missing")
