"""Attached studies: where an attached run's study lives, and how far its follower has read.

One row per attached run. ``storage_url`` is the URL the follower connects with (a password
included) and is never shown; readers see ``storage_shown``. ``trial_cursor`` is the largest
external trial id mirrored; ``open_trials`` holds ``{"open": [ids of trials still running or
waiting], "gaps": {id: first seen, epoch s}}`` (ids below the cursor not visible yet: another
writer's transaction had taken them but not committed): together they are all a poll needs
to read only what changed. ``version`` grows with
every poll that wrote, so two followers of the same run cannot both write the same trials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import JSONValue, UTCDateTime, utcnow
from optunagui.store.tables import Base, Run

__all__ = [
    "AttachedStudy",
    "advance_cursor",
    "get_attached",
    "list_followed",
    "record_follow_error",
]


class AttachedStudy(Base):
    __tablename__ = "attached_studies"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"),
                                        primary_key=True)
    storage_url: Mapped[str] = mapped_column(Text)
    storage_shown: Mapped[str] = mapped_column(Text)
    study_name: Mapped[str] = mapped_column(String(512))
    external_study_id: Mapped[int] = mapped_column(Integer)
    trial_cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    open_trials: Mapped[dict[str, Any] | None] = mapped_column(JSONValue, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    mirrored_trials: Mapped[int] = mapped_column(Integer, default=0)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def get_attached(session: Session, run_id: int) -> AttachedStudy | None:
    return session.get(AttachedStudy, run_id)


def list_followed(session: Session) -> list[AttachedStudy]:
    """The attached studies still followed, oldest first."""
    return list(session.scalars(
        select(AttachedStudy).join(Run, Run.id == AttachedStudy.run_id)
        .where(AttachedStudy.following.is_(True)).order_by(AttachedStudy.run_id)))


def advance_cursor(session: Session, run_id: int, seen_version: int, *, trial_cursor: int,
                   open_trials: dict[str, Any], mirrored: int, changed: bool) -> bool:
    """Move the cursor if nobody moved it since `seen_version`; False: another follower did,
    and the caller must roll back what it wrote in this transaction."""
    now = utcnow()
    values: dict[str, Any] = {
        "version": seen_version + 1, "trial_cursor": trial_cursor, "open_trials": open_trials,
        "mirrored_trials": AttachedStudy.mirrored_trials + mirrored, "last_poll_at": now,
        "last_error": None, "error_since": None,
    }
    if changed:
        values["last_change_at"] = now
    result = session.execute(
        update(AttachedStudy)
        .where(AttachedStudy.run_id == run_id, AttachedStudy.version == seen_version)
        .values(**values))
    return bool(getattr(result, "rowcount", 0))


def record_follow_error(session: Session, run_id: int, message: str) -> None:
    """Keep the latest problem reading the study (shown on the run page) and when it began."""
    row = session.get(AttachedStudy, run_id)
    if row is None:
        return
    now = utcnow()
    row.last_error = message[:2000]
    row.last_poll_at = now
    if row.error_since is None:
        row.error_since = now
