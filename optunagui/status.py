"""The states of a run, defined once; every layer compares against these."""

from __future__ import annotations

import enum

__all__ = ["RUN_STATUSES", "TERMINAL_RUN_STATUSES", "UNDER_WAY_RUN_STATUSES", "RunStatus"]


class RunStatus(enum.StrEnum):
    """A run's status as stored in ``runs.status``; members compare equal to their strings."""

    queued = "queued"
    running = "running"
    paused = "paused"
    completed = "completed"
    stopped = "stopped"
    failed = "failed"


RUN_STATUSES: tuple[str, ...] = tuple(status.value for status in RunStatus)
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset(
    {RunStatus.completed, RunStatus.stopped, RunStatus.failed})
UNDER_WAY_RUN_STATUSES: frozenset[str] = frozenset({RunStatus.queued, RunStatus.running})
