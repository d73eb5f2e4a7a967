"""Dashboard sign-in sessions, kept on the server so they can be ended.

The browser's signed cookie holds only a random session key; this table keeps its SHA-256
digest, the user and an absolute expiry. Signing out deletes the row, a password change or a
disabled account deletes the user's rows, so a copied cookie stops working at once, on every
dashboard process that shares the database.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import UTCDateTime, utcnow
from optunagui.store.tables import Base, User

__all__ = [
    "UserSession",
    "count_user_sessions",
    "create_user_session",
    "end_user_session",
    "end_user_sessions",
    "get_session_user",
]

_MAX_RAW_KEY_LENGTH = 256


class UserSession(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def create_user_session(
    session: Session, user_id: int, lifetime: timedelta, *, now: datetime | None = None
) -> str:
    """Start a session for the user; returns its raw key (kept only in the signed cookie).

    The user's sessions that have expired are deleted on the way.
    """
    if lifetime <= timedelta(0):
        raise ValueError("a session needs a positive lifetime")
    now = now or utcnow()
    session.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at <= now)
    )
    raw_key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user_id, key_hash=_digest(raw_key), created_at=now,
                            expires_at=now + lifetime))
    session.flush()
    return raw_key


def get_session_user(session: Session, raw_key: str, *, now: datetime | None = None) -> User | None:
    """The enabled user whose unexpired session has this key, else None."""
    if not isinstance(raw_key, str) or not raw_key or len(raw_key) > _MAX_RAW_KEY_LENGTH:
        return None
    now = now or utcnow()
    return session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == _digest(raw_key),
            UserSession.expires_at > now,
            User.is_active.is_(True),
        )
    )


def end_user_session(session: Session, raw_key: str) -> bool:
    """End one session (sign-out); False when there was none with this key."""
    if not isinstance(raw_key, str) or not raw_key:
        return False
    result = session.execute(delete(UserSession).where(UserSession.key_hash == _digest(raw_key)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_user_sessions(session: Session, user_id: int, *, keep: str | None = None) -> int:
    """End every session of the user, except the one whose raw key is ``keep``.

    Returns:
        How many sessions ended.
    """
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep:
        statement = statement.where(UserSession.key_hash != _digest(keep))
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def count_user_sessions(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """How many unexpired sessions the user has."""
    now = now or utcnow()
    rows = session.scalars(
        select(UserSession.id).where(UserSession.user_id == user_id, UserSession.expires_at > now)
    )
    return len(list(rows))
