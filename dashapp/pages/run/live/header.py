"""The run's header: status, progress, ETA, best so far, counts and resources in use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashapp.pages.run.live.records import RunInfo, to_utc

__all__ = ["HeaderRecord", "format_duration", "header_record", "status_advice"]

TERMINAL = frozenset({"completed", "stopped", "failed"})


@dataclass(frozen=True)
class HeaderRecord:
    status: str
    reason: str | None
    done: int
    budget: int | None
    counts: Mapping[str, int]
    elapsed_s: float | None
    eta_s: float | None
    best_number: int | None
    best_value: float | None
    best_params: Mapping[str, Any]
    metric: str
    direction: str
    running_cpu: float
    running_gpu: float
    workers: tuple[str, ...] = field(default_factory=tuple)
    pending: str | None = None
    advice: str | None = None
    quick: bool = False

    @property
    def percent(self) -> float | None:
        if not self.budget:
            return None
        return min(100.0, 100.0 * self.done / self.budget)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def status_advice(status: str, reason: str | None) -> str | None:
    """What a person can do about the run's state."""
    if status == "failed":
        return (
            "The run stopped with an error; the trials it finished are kept. Read the reason "
            "above and the failed trials' errors in the table, fix the cause (data, ranges, "
            "resources), then start it again with “Re-run with one change”. "
            "`optunagui status RUN_ID` shows the driver's log."
        )
    if status == "paused":
        return "No new trials start while the run is paused. Resume continues it, same study."
    if status == "queued":
        return "Waiting for the driver to start. If it stays queued, check the cluster."
    if status == "stopped":
        return "Stopped: the trials finished so far are kept; clone it to run more."
    return None


def header_record(
    run: RunInfo,
    counts: Mapping[str, int],
    *,
    best: tuple[int, float] | None,
    best_params: Mapping[str, Any],
    workers: Iterable[str],
    now: datetime,
    quick: bool = False,
) -> HeaderRecord:
    done = sum(counts.get(state, 0) for state in ("complete", "pruned", "failed"))
    running = counts.get("running", 0)
    started = to_utc(run.started_at)
    end = to_utc(run.finished_at) if run.status in TERMINAL and run.finished_at else to_utc(now)
    elapsed = (end - started).total_seconds() if started is not None and end else None
    eta = None
    if run.status == "running" and elapsed and done:
        estimates = []
        if run.n_trials_budget:
            remaining = max(run.n_trials_budget - done, 0)
            estimates.append(remaining * elapsed / done)
        if run.timeout_s:
            estimates.append(max(run.timeout_s - elapsed, 0.0))
        eta = min(estimates) if estimates else None
    pending = None
    if run.pending_control and run.status not in TERMINAL:
        pending = str(run.pending_control.get("kind"))
    return HeaderRecord(
        status=run.status,
        reason=run.status_reason,
        done=done,
        budget=run.n_trials_budget,
        counts=dict(counts),
        elapsed_s=elapsed,
        eta_s=eta,
        best_number=best[0] if best else None,
        best_value=best[1] if best else None,
        best_params=dict(best_params),
        metric=run.metric,
        direction=run.direction,
        running_cpu=running * run.cpu_per_trial,
        running_gpu=running * run.gpu_per_trial,
        workers=tuple(sorted(set(workers))),
        pending=pending,
        advice=status_advice(run.status, run.status_reason),
        quick=quick,
    )
