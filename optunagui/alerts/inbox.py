"""Each recipient's alerts, read or unread, and an experiment's alert history.

A recipient sees an alert only while they may read its experiment (a member, or an admin): an
alert of an experiment they were removed from drops out of their inbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from optunagui.store._types import utcnow
from optunagui.store.alerts import Alert, AlertRule, InboxItem
from optunagui.store.tables import Experiment, Membership, User

__all__ = [
    "AlertEntry",
    "alert_path",
    "count_unread",
    "get_inbox_entry",
    "list_alerts",
    "list_inbox",
    "mark_read",
]

MAX_PAGE = 500


def alert_path(run_id: int, trial_number: int | None) -> str:
    """Where an alert links to: its run's page, opened on its trial when it has one."""
    return f"/runs/{run_id}" + (f"?trial={trial_number}" if trial_number is not None else "")


@dataclass(frozen=True)
class AlertEntry:
    """An alert as a list shows it; ``inbox_id`` and ``read`` are the recipient's (None and
    False in an experiment's history)."""

    alert_id: int
    inbox_id: int | None
    rule_id: int
    rule_name: str
    experiment_id: int
    experiment_name: str
    run_id: int | None
    trial_number: int | None
    message: str
    value: float | None
    created_at: datetime
    read: bool


def _readable(user_id: int) -> ColumnElement[bool]:
    member = exists().where(Membership.experiment_id == Alert.experiment_id,
                            Membership.user_id == user_id)
    admin = exists().where(User.id == user_id, User.is_admin.is_(True))
    return member | admin


_COLUMNS = (Alert.id, Alert.rule_id, AlertRule.name, Alert.experiment_id, Experiment.name,
            Alert.run_id, Alert.trial_number, Alert.message, Alert.value, Alert.created_at)


def _entry(row: Any, inbox_id: Any, read_at: Any) -> AlertEntry:
    return AlertEntry(alert_id=row[0], inbox_id=inbox_id, rule_id=row[1], rule_name=row[2],
                      experiment_id=row[3], experiment_name=row[4], run_id=row[5],
                      trial_number=row[6], message=row[7], value=row[8], created_at=row[9],
                      read=read_at is not None)


def get_inbox_entry(session: Session, user_id: int, inbox_id: int) -> AlertEntry | None:
    """One of the user's inbox entries (None for another user's, or one they may not read)."""
    found = list_inbox(session, user_id, after_id=inbox_id - 1, limit=1, before_id=inbox_id + 1)
    return found[0] if found else None


def list_inbox(session: Session, user_id: int, *, unread_only: bool = False, after_id: int = 0,
               limit: int = 50, before_id: int | None = None) -> list[AlertEntry]:
    """The user's alerts, newest first (with ``after_id``: only inbox entries newer than it).

    Args:
        after_id: an inbox id already seen; a pop-up polls with the newest one it showed.
        before_id: only entries older than this one (paging back).
        limit: at most this many (capped at 500).
    """
    query = (
        select(*_COLUMNS, InboxItem.id, InboxItem.read_at)
        .join(Alert, Alert.id == InboxItem.alert_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Experiment, Experiment.id == Alert.experiment_id)
        .where(InboxItem.user_id == user_id, InboxItem.id > after_id, _readable(user_id))
        .order_by(InboxItem.id.desc())
        .limit(max(0, min(limit, MAX_PAGE)))
    )
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    if before_id is not None:
        query = query.where(InboxItem.id < before_id)
    return [_entry(row, row[-2], row[-1]) for row in session.execute(query)]


def count_unread(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count(InboxItem.id))
        .join(Alert, Alert.id == InboxItem.alert_id)
        .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None), _readable(user_id))
    ) or 0


def mark_read(session: Session, user_id: int, inbox_ids: Iterable[int] | None = None, *,
              read: bool = True) -> int:
    """Mark the user's inbox entries read (or unread again); all of them when ``inbox_ids`` is
    None. Entries of other users are never touched.

    Returns:
        How many entries changed.
    """
    statement = update(InboxItem).where(InboxItem.user_id == user_id)
    if inbox_ids is not None:
        ids = [int(i) for i in inbox_ids]
        if not ids:
            return 0
        statement = statement.where(InboxItem.id.in_(ids))
    if read:
        statement = statement.where(InboxItem.read_at.is_(None)).values(read_at=utcnow())
    else:
        statement = statement.where(InboxItem.read_at.is_not(None)).values(read_at=None)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def list_alerts(session: Session, experiment_id: int, *, limit: int = 50) -> list[AlertEntry]:
    """The experiment's alerts, newest first (who may read them is the caller's decision)."""
    query = (
        select(*_COLUMNS)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Experiment, Experiment.id == Alert.experiment_id)
        .where(Alert.experiment_id == experiment_id)
        .order_by(Alert.id.desc())
        .limit(max(0, min(limit, MAX_PAGE)))
    )
    return [_entry(row, None, None) for row in session.execute(query)]
