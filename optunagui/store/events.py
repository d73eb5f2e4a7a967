"""Trial events: the append-only stream the driver writes and the dashboard polls by cursor.

Ids only grow. Each run has one writer (its driver), so within a run a reader polling with
``list_events_after(session, run_id, last_seen_id, limit)`` sees every event exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from optunagui.store._types import utcnow
from optunagui.store._util import require
from optunagui.store.tables import EVENT_KINDS, Run, TrialEvent

__all__ = ["EventRow", "append_events", "last_event_id", "list_events_after"]

_FIELDS = ("trial_number", "kind", "step", "metrics", "worker", "created_at")
_TABLE: Table = TrialEvent.__table__  # type: ignore[assignment]
_COLUMNS = [TrialEvent.__table__.c[name] for name in ("id", "run_id", *_FIELDS)]


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    run_id: int
    trial_number: int | None
    kind: str
    step: int | None
    metrics: dict[str, Any] | None
    worker: str | None
    created_at: datetime


def _event_values(run_id: int, event: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    unknown = set(event) - set(_FIELDS)
    if unknown:
        raise ValueError(f"unknown event field(s): {', '.join(sorted(unknown))}")
    kind = event.get("kind")
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}; expected one of: {', '.join(EVENT_KINDS)}")
    metrics = event.get("metrics")
    return {
        "run_id": run_id,
        "trial_number": event.get("trial_number"),
        "kind": kind,
        "step": event.get("step"),
        "metrics": dict(metrics) if metrics is not None else None,
        "worker": event.get("worker"),
        "created_at": event.get("created_at") or now,
    }


def append_events(
    session: Session, run_id: int, events: Iterable[Mapping[str, Any]]
) -> int:
    """Append a batch of events to a run in one executemany; returns how many were written.

    Each event is a mapping with ``kind`` (started|result|completed|pruned|failed|control) and
    optionally ``trial_number``, ``step``, ``metrics`` (JSON dict), ``worker``, ``created_at``.

    Raises:
        ValueError: an unknown kind or field (nothing is written).
        NotFound: no such run.
    """
    now = utcnow()
    rows = [_event_values(run_id, event, now) for event in events]
    if not rows:
        return 0
    require(session, Run, run_id, "run")
    session.execute(insert(_TABLE), rows)  # the table, not the class: one executemany
    return len(rows)


def list_events_after(
    session: Session, run_id: int, after_id: int = 0, limit: int = 1000
) -> list[EventRow]:
    """The run's events with id > after_id, oldest first, at most `limit`."""
    if limit <= 0:
        return []
    rows = session.execute(
        select(*_COLUMNS)
        .where(TrialEvent.run_id == run_id, TrialEvent.id > after_id)
        .order_by(TrialEvent.id)
        .limit(limit)
    )
    return [EventRow(*row) for row in rows]


def last_event_id(session: Session, run_id: int) -> int:
    """The run's newest event id (0 when it has none): a cursor that skips the history."""
    return session.scalar(select(func.max(TrialEvent.id)).where(TrialEvent.run_id == run_id)) or 0
