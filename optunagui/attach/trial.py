"""One trial of an external study as the follower reads it, whatever the storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["FINISHED_STATES", "OPEN_STATES", "ExternalTrial", "StudyHead", "as_utc"]

OPEN_STATES = frozenset({"RUNNING", "WAITING"})
FINISHED_STATES = frozenset({"COMPLETE", "PRUNED", "FAIL"})


def as_utc(moment: datetime | None) -> datetime | None:
    """Optuna writes naive local times; the product keeps UTC."""
    if moment is None:
        return None
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class StudyHead:
    """A study's identity and its description, read as Optuna stores them."""

    study_id: int
    name: str
    directions: list[str]
    metric_names: list[str] | None = None
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    n_trials: int | None = None


@dataclass
class ExternalTrial:
    """`state` is Optuna's state name (RUNNING, WAITING, COMPLETE, PRUNED, FAIL)."""

    trial_id: int
    number: int
    state: str
    started_at: datetime | None
    finished_at: datetime | None
    params: dict[str, Any] = field(default_factory=dict)
    distributions: dict[str, str] = field(default_factory=dict)
    values: list[float | None] | None = None
    intermediate: dict[int, float] = field(default_factory=dict)
    user_attrs: dict[str, Any] = field(default_factory=dict)
    fail_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
