"""Where the compute went: what pruning saved and whether it judged well; worker idle time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from optunagui.analysis._sampling import pick
from optunagui.analysis.frame import TrialFrame

__all__ = [
    "Intermediate",
    "PruningRecord",
    "WorkerRecord",
    "compute_pruning",
    "compute_workers",
    "draw_pruning",
    "draw_workers",
    "intermediate_from_arrays",
    "intermediate_from_events",
    "pruning_steps",
    "intermediate_from_rows",
    "plot_pruning",
    "plot_workers",
]


@dataclass(frozen=True)
class Intermediate:
    """Reported values per trial and step: `values[i, s - 1]` is trial i's value at step s."""

    values: np.ndarray

    @property
    def n_steps(self) -> int:
        return int(self.values.shape[1])


def intermediate_from_arrays(frame: TrialFrame, numbers: np.ndarray, steps: np.ndarray,
                            values: np.ndarray) -> Intermediate:
    """From parallel arrays of trial number, step (1-based) and value."""
    n_steps = int(steps.max()) if steps.size else 0
    dense = np.full((frame.n_trials, max(n_steps, 1)), np.nan)
    if steps.size:
        pos = np.searchsorted(frame.number, numbers)
        ok = (pos < frame.n_trials) & (steps >= 1)
        ok[ok] &= frame.number[pos[ok]] == numbers[ok]
        dense[pos[ok], steps[ok] - 1] = values[ok]
    return Intermediate(dense)


def intermediate_from_events(frame: TrialFrame, events: Iterable[Any],
                             metric: str | None = None) -> Intermediate:
    """From the run's TrialEvent rows of kind "result" (step + metrics), for one metric
    (default: the frame's first objective)."""
    metric = metric or frame.metric_names[0]
    numbers, steps, values = [], [], []
    for event in events:
        if event.kind != "result" or event.step is None or event.trial_number is None:
            continue
        value = (event.metrics or {}).get(metric)
        if value is None:
            continue
        numbers.append(event.trial_number)
        steps.append(event.step)
        values.append(value)
    return intermediate_from_arrays(frame, np.asarray(numbers, dtype=np.int64),
                                    np.asarray(steps, dtype=np.int64),
                                    np.asarray(values, dtype=float))


def intermediate_from_rows(frame: TrialFrame, rows: Iterable[Any]) -> Intermediate:
    """From rows carrying an `intermediate` mapping {step: value} (see `rows_from_study`)."""
    numbers, steps, values = [], [], []
    for row in rows:
        steps_of: Mapping[int, float] = getattr(row, "intermediate", None) or {}
        for step, value in steps_of.items():
            numbers.append(row.number)
            steps.append(int(step))
            values.append(value)
    return intermediate_from_arrays(frame, np.asarray(numbers, dtype=np.int64),
                                    np.asarray(steps, dtype=np.int64),
                                    np.asarray(values, dtype=float))


def _ran(frame: TrialFrame, intermediate: Intermediate | None) -> np.ndarray:
    if intermediate is None:
        return frame.last_step.copy()
    observed = np.where(np.isfinite(intermediate.values),
                        np.arange(1, intermediate.n_steps + 1), 0).max(axis=1)
    return np.where(np.isfinite(frame.last_step), frame.last_step, observed)


def _full_steps(frame: TrialFrame, ran: np.ndarray, complete: np.ndarray, fallback: int) -> int:
    known = ran[complete]
    known = known[np.isfinite(known)]
    return int(known.max()) if known.size else fallback


def pruning_steps(frame: TrialFrame, *, objective: int | str = 0, top: int = 4) -> list[int]:
    """The steps at which pruning stopped most trials (from `last_step`), most common first:
    the only steps `compute_pruning` needs intermediate values for."""
    ran = frame.last_step
    full = _full_steps(frame, ran, frame.complete(objective), 0)
    at = ran[frame.state_mask("pruned")]
    return _common(at[np.isfinite(at) & (at >= 1) & (at < full)].astype(int), top)


def _common(at: np.ndarray, top: int) -> list[int]:
    if not at.size:
        return []
    counts = np.bincount(at)
    order = counts.argsort(kind="stable")[::-1][:top]
    return [int(s) for s in order if counts[s] > 0]


@dataclass(frozen=True)
class PruningRecord:
    """What pruning saved, and how well early scores ranked trials that ran to the end.

    `saved_share` = steps not run by pruned trials / steps all trials would have run in full.
    `checks` holds, per common pruning step, (step, Spearman rho, n complete trials used).
    """

    n_pruned: int
    n_complete: int
    full_steps: int
    steps_run: int
    steps_saved: int
    saved_share: float
    checks: tuple[tuple[int, float, int], ...]
    early: np.ndarray  # complete trials' value at the main pruning step (sample)
    final: np.ndarray
    step: int | None
    verdict: str


RELIABLE_RHO = 0.7
ANALYSIS_MIN_COMPLETE = 20


def _pruning_fix(intermediate: Intermediate, complete: np.ndarray, final: np.ndarray,
                 after: int) -> str:
    """The first step after ``after`` from which early scores ranked finished trials like their
    final scores (rank correlation >= RELIABLE_RHO), as a grace period to set in the spec."""
    for step in range(after + 1, int(intermediate.n_steps) + 1):
        early = intermediate.values[complete, step - 1]
        ok = np.isfinite(early)
        if ok.sum() < 5:
            continue
        rho = float(np.nan_to_num(stats.spearmanr(early[ok], final[ok])[0]))
        if rho >= RELIABLE_RHO:
            return (f"; to fix: set pruner.grace_period to {step} (from step {step} early "
                    f"scores ranked finished trials with rank correlation {rho:.2f}).")
    return (f"; to fix: prune later than step {after} (pruner.grace_period), or set pruner to "
            "none.")


def compute_pruning(frame: TrialFrame, intermediate: Intermediate, *,
                    objective: int | str = 0, max_points: int = 3_000,
                    seed: int = 0) -> PruningRecord:
    k = frame.objective_index(objective)
    pruned = frame.state_mask("pruned")
    complete = frame.complete(k)
    ran = _ran(frame, intermediate)
    full = _full_steps(frame, ran, complete, int(intermediate.n_steps))
    finished = pruned | frame.state_mask("complete")
    run_steps = int(np.nansum(np.minimum(ran[finished], full)))
    saved = int(np.nansum(np.maximum(full - ran[pruned], 0)))
    share = saved / (run_steps + saved) if run_steps + saved else 0.0
    at = ran[pruned]
    at = at[np.isfinite(at) & (at >= 1) & (at < full)].astype(int)
    common = [s for s in _common(at, 4) if s <= intermediate.n_steps]
    final_all = frame.values[:, k]
    checks = []
    for step in sorted(common):
        early = intermediate.values[complete, step - 1]
        ok = np.isfinite(early)
        if ok.sum() >= 5:
            rho = stats.spearmanr(early[ok], final_all[complete][ok])[0]
            checks.append((step, float(np.nan_to_num(rho)), int(ok.sum())))
    n_pruned = int(pruned.sum())
    main = max(checks, key=lambda c: np.sum(at == c[0]))[0] if checks else None
    early_pts = final_pts = np.empty(0)
    if main is not None:
        use = complete[np.isfinite(intermediate.values[complete, main - 1])]
        use = pick(use, frame.score(k), max_points, seed=seed)
        early_pts, final_pts = intermediate.values[use, main - 1], final_all[use]
    if n_pruned == 0:
        verdict = "No trial was pruned: every trial ran all its steps."
    elif main is None:  # no step had enough finished trials to check
        verdict = (f"Pruning stopped {n_pruned} trials and saved {share:.0%} of the steps; too "
                   "few finished trials reported at those steps to check its judgement.")
    else:
        rho = dict((c[0], c[1]) for c in checks)[main]
        quality = ("sound" if rho >= RELIABLE_RHO else "partly reliable" if rho >= 0.4
                   else "unreliable")
        verdict = (f"Pruning saved {share:.0%} of the steps ({n_pruned} trials stopped) and looks "
                   f"{quality}: at step {main}, early scores ranked finished trials like their "
                   f"final scores with rank correlation {rho:.2f}")
        verdict += "." if rho >= RELIABLE_RHO else _pruning_fix(intermediate, complete,
                                                                  final_all[complete], main)
    if n_pruned and complete.size < ANALYSIS_MIN_COMPLETE:
        verdict += (f" Only {complete.size} trials finished (importance and advice want "
                    f"{ANALYSIS_MIN_COMPLETE}): a later pruner.grace_period, or pruner none, "
                    "leaves more.")
    return PruningRecord(n_pruned, int(complete.size), full, run_steps, saved, share,
                         tuple(checks), early_pts, final_pts, main, verdict)


def draw_pruning(record: PruningRecord) -> go.Figure:
    fig = go.Figure()
    if record.step is None:
        fig.update_layout(title={"text": f"Pruning<br><sup>{record.verdict}</sup>"},
                          xaxis={"visible": False}, yaxis={"visible": False})
        return fig
    trace = go.Scattergl if record.early.size > 2000 else go.Scatter
    fig.add_trace(trace(x=record.early, y=record.final, mode="markers",
                        marker={"size": 5, "opacity": 0.6}, name="finished trials"))
    fig.update_layout(
        title={"text": f"Early score (step {record.step}) vs final score"
                       f"<br><sup>{record.verdict}</sup>"},
        xaxis={"title": f"value at step {record.step}"}, yaxis={"title": "final value"})
    return fig


def plot_pruning(frame: TrialFrame, intermediate: Intermediate, **options) -> go.Figure:
    return draw_pruning(compute_pruning(frame, intermediate, **options))


@dataclass(frozen=True)
class WorkerRecord:
    """Per worker: trials run, busy and idle seconds between its first start and last finish."""

    workers: tuple[str, ...]
    n_trials: np.ndarray
    busy_s: np.ndarray
    idle_s: np.ndarray
    idle_share: float
    verdict: str


def compute_workers(frame: TrialFrame) -> WorkerRecord:
    ok = (frame.worker >= 0) & np.isfinite(frame.started) & np.isfinite(frame.finished)
    if not ok.any():
        return WorkerRecord((), np.empty(0), np.empty(0), np.empty(0), float("nan"),
                            "No worker timing recorded.")
    w, start, end = frame.worker[ok], frame.started[ok], frame.finished[ok]
    order = np.lexsort((start, w))
    w, start, end = w[order], start[order], end[order]
    # the furthest finish so far per worker (trials may overlap when a worker runs several)
    new_worker = np.concatenate([[True], w[1:] != w[:-1]])
    group = np.cumsum(new_worker) - 1
    reach = end.copy()
    for g in range(group[-1] + 1):  # one pass per worker, vectorised inside
        sel = group == g
        reach[sel] = np.maximum.accumulate(end[sel])
    gap = np.zeros_like(start)
    gap[1:] = np.maximum(start[1:] - reach[:-1], 0.0)
    gap[new_worker] = 0.0
    n_workers = len(frame.workers)
    idle = np.bincount(w, weights=gap, minlength=n_workers)
    span = (np.bincount(w, weights=np.where(np.r_[new_worker[1:], True], reach, 0),
                        minlength=n_workers)
            - np.bincount(w, weights=np.where(new_worker, start, 0), minlength=n_workers))
    busy = np.maximum(span - idle, 0.0)
    counts = np.bincount(w, minlength=n_workers)
    share = float(idle.sum() / span.sum()) if span.sum() > 0 else 0.0
    worst = int(np.argmax(idle / np.where(span > 0, span, 1)))
    if share < 0.05:
        verdict = f"Workers were busy: idle {share:.1%} of the time between trials."
    elif share < 0.2:
        verdict = (f"Some idle time: workers waited {share:.0%} of the time between trials "
                   f"(most: {frame.workers[worst]}).")
    else:
        verdict = (f"Workers idle {share:.0%} of the time between trials: the overhead between "
                   f"trials is large (short trials, a slow sampler or a busy database); raise "
                   f"max_concurrent or make trials longer.")
    return WorkerRecord(frame.workers, counts, busy, idle, share, verdict)


def draw_workers(record: WorkerRecord) -> go.Figure:
    names = list(record.workers)
    fig = go.Figure([
        go.Bar(y=names, x=record.busy_s, name="busy", orientation="h"),
        go.Bar(y=names, x=record.idle_s, name="idle", orientation="h"),
    ])
    fig.update_layout(barmode="stack", title={"text": f"Worker time<br><sup>{record.verdict}"
                                                      "</sup>"},
                      xaxis={"title": "seconds"}, height=max(300, 30 * len(names) + 150))
    return fig


def plot_workers(frame: TrialFrame) -> go.Figure:
    return draw_workers(compute_workers(frame))
