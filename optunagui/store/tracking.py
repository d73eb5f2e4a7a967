"""Tracker sync state: how far each run's events have been logged to MLflow or W&B.

One ``TrackingState`` row per (run, tracker): the event cursor (every event with an id up to
it is logged), the tracker's ids for the run (an MLflow parent run, a W&B group), the best
value logged so far, and the tracker's health (ok, or the last error, since when, and when to
try again). One ``TrackedTrial`` row per (run, tracker, trial): the tracker's id for the
trial's child run and the last event of that trial already logged, so a pass that failed
half-way repeats nothing when it is tried again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import UTCDateTime, utcnow
from optunagui.store.tables import Base

__all__ = [
    "TRACKERS",
    "TrackedTrial",
    "TrackingState",
    "get_tracking_state",
    "list_tracked_trials",
    "list_tracking_states",
    "put_tracked_trial",
    "record_tracking_error",
    "record_tracking_ok",
]

TRACKERS = ("mlflow", "wandb")
MAX_BACKOFF_S = 60.0


class TrackingState(Base):
    __tablename__ = "tracking_states"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    target: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(128))
    container_id: Mapped[str | None] = mapped_column(String(128))
    best_value: Mapped[float | None] = mapped_column(Float)
    best_trial: Mapped[int | None] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    reconcile: Mapped[bool] = mapped_column(Boolean, default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackedTrial(Base):
    __tablename__ = "tracking_trials"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)
    trial_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    logged_through: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)


def get_tracking_state(session: Session, run_id: int, tracker: str, *,
                       create: bool = False) -> TrackingState | None:
    """The run's state for one tracker; with `create`, a fresh one when there is none."""
    if tracker not in TRACKERS:
        raise ValueError(f"unknown tracker {tracker!r}; expected one of: {', '.join(TRACKERS)}")
    state = session.get(TrackingState, (run_id, tracker))
    if state is None and create:
        state = TrackingState(run_id=run_id, tracker=tracker, event_cursor=0, closed=False,
                              reconcile=False, failures=0)
        session.add(state)
        session.flush()
    return state


def list_tracking_states(session: Session, run_id: int) -> list[TrackingState]:
    return list(session.scalars(
        select(TrackingState).where(TrackingState.run_id == run_id)
        .order_by(TrackingState.tracker)))


def list_tracked_trials(session: Session, run_id: int, tracker: str,
                        numbers: Iterable[int] | None = None) -> dict[int, TrackedTrial]:
    """The run's child runs on one tracker by trial number (only `numbers`, when given)."""
    query = select(TrackedTrial).where(TrackedTrial.run_id == run_id,
                                       TrackedTrial.tracker == tracker)
    if numbers is not None:
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        query = query.where(TrackedTrial.trial_number.in_(wanted))
    return {row.trial_number: row for row in session.scalars(query)}


def put_tracked_trial(session: Session, run_id: int, tracker: str, trial_number: int,
                      external_id: str, *, logged_through: int | None = None,
                      finished: bool | None = None) -> TrackedTrial:
    """Create or update the trial's child-run row (only the fields given change)."""
    row = session.get(TrackedTrial, (run_id, tracker, trial_number))
    if row is None:
        row = TrackedTrial(run_id=run_id, tracker=tracker, trial_number=trial_number,
                           external_id=external_id, logged_through=0, finished=False)
        session.add(row)
    row.external_id = external_id
    if logged_through is not None:
        row.logged_through = max(row.logged_through or 0, logged_through)
    if finished is not None:
        row.finished = finished
    session.flush()
    return row


def record_tracking_ok(session: Session, run_id: int, tracker: str, **values: Any) -> None:
    """A pass that worked: the error is cleared and `values` (cursor, ids, best) are kept."""
    state = get_tracking_state(session, run_id, tracker, create=True)
    assert state is not None
    for name, value in values.items():
        if not hasattr(TrackingState, name):
            raise ValueError(f"unknown tracking state field {name!r}")
        setattr(state, name, value)
    state.failures = 0
    state.last_error = None
    state.error_since = None
    state.retry_at = None
    state.last_sync_at = utcnow()
    session.flush()


def record_tracking_error(session: Session, run_id: int, tracker: str, message: str,
                          *, base_backoff_s: float = 2.0) -> TrackingState:
    """A pass that failed: the error, since when, and when to try again (doubling, at most a
    minute apart). The next pass that works first looks for runs this one may have created."""
    state = get_tracking_state(session, run_id, tracker, create=True)
    assert state is not None
    now = utcnow()
    state.failures = (state.failures or 0) + 1
    state.last_error = message[:2000]
    state.error_since = state.error_since or now
    delay = min(base_backoff_s * 2 ** (state.failures - 1), MAX_BACKOFF_S)
    state.retry_at = now + timedelta(seconds=delay)
    state.reconcile = True
    session.flush()
    return state
