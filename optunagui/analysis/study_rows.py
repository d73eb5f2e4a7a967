"""An Optuna study's trials as light rows, for tests, benchmarks and imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import optuna

__all__ = ["rows_from_study"]


@dataclass(frozen=True, slots=True)
class _StudyRow:
    number: int
    state: str
    values: list[float] | None
    params: dict[str, Any]
    user_attrs: dict[str, Any]
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    last_step: int | None
    worker: str | None
    intermediate: dict[int, float]


def rows_from_study(study: optuna.Study) -> list[_StudyRow]:
    """An Optuna study's trials as light rows (for tests, benchmarks and imports).

    Each row also carries `intermediate` ({step: value}) from the trial's reports.
    """
    names = {
        optuna.trial.TrialState.COMPLETE: "complete",
        optuna.trial.TrialState.PRUNED: "pruned",
        optuna.trial.TrialState.FAIL: "failed",
    }
    rows = []
    for t in study.get_trials(deepcopy=False):
        duration = t.duration.total_seconds() if t.duration is not None else None
        steps = t.intermediate_values
        rows.append(_StudyRow(
            number=t.number, state=names.get(t.state, "running"),
            values=list(t.values) if t.values is not None else None, params=dict(t.params),
            user_attrs=dict(t.user_attrs), started_at=t.datetime_start,
            finished_at=t.datetime_complete, duration_s=duration,
            last_step=max(steps) if steps else None, worker=t.user_attrs.get("worker"),
            intermediate=dict(steps),
        ))
    return rows

