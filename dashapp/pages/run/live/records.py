"""Small records the live views are built from: one per trial, one per event, plus the run.

Everything here is plain data (no Dash, no database): ``dashapp.pages.run.live.reads`` fills
these from the store, the view modules turn them into figure data or patch operations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optunagui.store import EventRow, TrialRow

__all__ = [
    "FINISHED_STATES",
    "EventRecord",
    "RunInfo",
    "TrialRecord",
    "event_record",
    "is_better",
    "metric_of",
    "to_utc",
    "trial_record",
]

FINISHED_STATES = frozenset({"complete", "pruned", "failed"})
TRIAL_EVENT_STATES = {"completed": "complete", "pruned": "pruned", "failed": "failed"}


def to_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """One trial as the live views need it."""

    number: int
    state: str
    values: tuple[float | None, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    worker: str | None = None
    gpu_ids: tuple[Any, ...] = ()
    error: str | None = None
    last_step: int | None = None
    warm_start: int | None = None  # the index of the spec's warm-start configuration it ran

    @property
    def value(self) -> float | None:
        """The primary objective value, when the trial has a finite one."""
        return self.values[0] if self.values else None

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def elapsed_s(self) -> float | None:
        """How long the trial ran (its recorded duration, else finish minus start)."""
        if self.duration_s is not None:
            return self.duration_s
        if self.started_at is not None and self.finished_at is not None:
            return (to_utc(self.finished_at) - to_utc(self.started_at)).total_seconds()
        return None


def trial_record(row: TrialRow, *, state: str | None = None) -> TrialRecord:
    """A store row as a record; ``state`` overrides the row's (an event may be newer)."""
    return TrialRecord(
        number=row.number,
        state=state or row.state,
        values=tuple(_finite(v) for v in (row.values or ())),
        params=dict(row.params or {}),
        started_at=to_utc(row.started_at),
        finished_at=to_utc(row.finished_at),
        duration_s=row.duration_s,
        worker=row.worker,
        gpu_ids=tuple(row.gpu_ids or ()),
        error=row.error,
        last_step=row.last_step,
        warm_start=_warm_start_index(row.user_attrs),
    )


def _warm_start_index(user_attrs: Mapping[str, Any] | None) -> int | None:
    index = (user_attrs or {}).get("warm_start")
    return index if isinstance(index, int) and not isinstance(index, bool) else None


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    kind: str
    trial_number: int | None
    step: int | None
    metrics: Mapping[str, Any]
    worker: str | None
    created_at: datetime | None

    @property
    def trial_state(self) -> str | None:
        """The state a trial event puts its trial in (None for started/result/control)."""
        return TRIAL_EVENT_STATES.get(self.kind)


def event_record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=row.id,
        kind=row.kind,
        trial_number=row.trial_number,
        step=row.step,
        metrics=dict(row.metrics or {}),
        worker=row.worker,
        created_at=to_utc(row.created_at),
    )


def metric_of(metrics: Mapping[str, Any], name: str | None) -> float | None:
    """The named metric of a result event, else its first numeric value."""
    if name and name in metrics:
        return _finite(metrics[name])
    for key, value in metrics.items():
        if key.startswith("_") or key in ("step", "training_iteration"):
            continue
        number = _finite(value)
        if number is not None:
            return number
    return None


def is_better(value: float, best: float | None, direction: str) -> bool:
    if best is None:
        return True
    return value > best if direction == "maximize" else value < best


@dataclass(frozen=True)
class RunInfo:
    """The run's own row, as the header needs it."""

    id: int
    experiment_id: int
    name: str
    status: str
    status_reason: str | None
    metric: str
    direction: str
    metric_names: tuple[str, ...]
    n_trials_budget: int | None
    timeout_s: float | None
    cpu_per_trial: float
    gpu_per_trial: float
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    pending_control: Mapping[str, Any] | None
    space: Mapping[str, Any]
