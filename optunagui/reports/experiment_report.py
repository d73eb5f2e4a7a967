"""The report of an experiment: its runs side by side, their convergence, and the paired
statistical comparison of their best trials (against the pinned baseline when there is one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from optunagui import analysis
from optunagui.analysis.best_trials import compare_best_trials
from optunagui.analysis.side_by_side import RunInput
from optunagui.reports.page import Page, esc, fmt, table
from optunagui.store import count_trials_by_state, get_experiment, list_runs
from optunagui.store.notes import list_notes

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["build_experiment_report"]


def _inputs(session: Session, runs: list) -> list[RunInput]:
    inputs = []
    for run in runs:
        frame = analysis.load_frame(session, run.id)
        best = frame.best_index(0)
        final = (analysis.load_final_metrics(session, run.id, [int(frame.number[best])])
                 if best is not None else {})
        inputs.append(RunInput(_label(run), frame, dict(run.spec or {}), final))
    return inputs


def _label(run) -> str:
    return f"#{run.id} {run.name}"


def build_experiment_report(session: Session, experiment_id: int,
                            settings: Settings | None = None) -> str:
    """The experiment's report as one HTML page (notes' remote images only where
    ``settings`` allow them).

    Raises:
        LookupError: no such experiment.
    """
    experiment = get_experiment(session, experiment_id)
    if experiment is None:
        raise LookupError(f"experiment {experiment_id} does not exist")
    runs = list(reversed(list_runs(session, experiment_id)))  # oldest first
    page = Page(f"Experiment {experiment.name} · report",
                remote_images=settings is not None and settings.allow_remote_images)
    page.raw(f"<h1>{esc(experiment.name)}</h1>")
    if experiment.description:
        page.raw(page.markdown(experiment.description))
    baseline = next((r for r in runs if r.id == experiment.baseline_run_id), None)
    page.paragraph(f"{len(runs)} runs. Baseline: "
                   f"{_label(baseline) if baseline else 'none pinned'}.", "muted")
    page.heading("Runs")
    rows = []
    for run in runs:
        counts = count_trials_by_state(session, run.id)
        spec = run.spec or {}
        rows.append((_label(run) + (" (baseline)" if run is baseline else "")
                     + (" [quick]" if spec.get("quick") else ""),
                     spec.get("model"), run.status, run.best_value,
                     counts.get("complete", 0), counts.get("pruned", 0),
                     counts.get("failed", 0), run.started_at, run.finished_at))
    page.raw(table(["Run", "Model", "Status", "Best value", "Complete", "Pruned", "Failed",
                    "Started", "Finished"], rows))
    if not runs:
        page.paragraph("This experiment has no runs yet.", "muted")
        return page.render()
    inputs = _inputs(session, runs)
    page.heading("Side by side")
    page.figure(analysis.draw_side_by_side(analysis.compute_side_by_side(inputs)),
                "Best value, its secondary metrics and parameters per run.")
    page.heading("Convergence")
    page.figure(analysis.draw_overlay(analysis.compute_overlay(inputs, by="number")),
                "Best so far by trial number.")
    page.figure(analysis.draw_overlay(analysis.compute_overlay(inputs, by="time")),
                "Best so far by wall time.")
    page.heading("Statistical comparison of the best trials")
    results, notes = compare_best_trials(
        inputs, baseline=_label(baseline) if baseline is not None else None)
    if results:
        page.raw(table(
            ["A", "B", "Folds", "Mean difference (B − A)", "95% CI", "p (t-test, adjusted)",
             "p (Wilcoxon)", "Effect size dz", "Verdict"],
            [(r.label_a, r.label_b, r.n, r.diff, f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]",
              r.p_adjusted, r.p_wilcoxon, r.cohen_dz, r.refused or r.verdict)
             for r in results],
        ))
    for remark in notes:
        page.paragraph(remark, "muted")
    page.heading("Notes")
    notes_found = list_notes(session, experiment_id, include_runs=True)
    for note in notes_found:
        about = "the experiment" if note.run_id is None else f"run {note.run_id}" + (
            f", trial {note.trial_number}" if note.trial_number is not None else "")
        page.raw(f'<div class="note"><p class="muted">{esc(note.author or "a former user")} on '
                 f"{esc(about)}, {esc(fmt(note.created_at))}</p>{page.markdown(note.body)}</div>")
    if not notes_found:
        page.paragraph("No notes.", "muted")
    return page.render()
