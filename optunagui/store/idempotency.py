"""Answers kept for requests that carry an idempotency key, so a retried request gets the first
answer again and nothing is done twice.

A key is reserved (``claim_key``) before the work starts and its answer recorded
(``record_answer``) when it ends; a second request with the same user, key and path finds the
reservation, and with it the answer or the news that the first one is still under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import JSONValue, UTCDateTime, utcnow
from optunagui.store.tables import Base

__all__ = ["MAX_KEY_LENGTH", "IdempotentRequest", "KeptAnswer", "claim_key", "record_answer",
           "release_key"]

MAX_KEY_LENGTH = 200


class IdempotentRequest(Base):
    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    path: Mapped[str] = mapped_column(String(500))
    body_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[Any | None] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class KeptAnswer:
    """What an earlier request with the key left: its body's digest, and its answer (status
    None while it is still being worked on)."""

    body_digest: str
    status: int | None
    answer: Any


def claim_key(session: Session, user_id: int, key: str, path: str, body_digest: str
              ) -> KeptAnswer | None:
    """Reserve ``key`` for this user and path. Returns None when this request holds it now,
    else what the earlier request with the key left."""
    found = _find(session, user_id, key, path)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(IdempotentRequest(user_id=user_id, key=key, path=path,
                                          body_digest=body_digest, created_at=utcnow()))
    except IntegrityError:
        return _find(session, user_id, key, path)
    return None


def record_answer(session: Session, user_id: int, key: str, path: str, status: int,
                  answer: Any) -> None:
    """Keep the answer of the request that claimed ``key``."""
    row = session.scalar(_select(user_id, key, path))
    if row is not None:
        row.status, row.answer = status, answer


def _select(user_id: int, key: str, path: str) -> Any:
    return select(IdempotentRequest).where(
        IdempotentRequest.user_id == user_id, IdempotentRequest.key == key,
        IdempotentRequest.path == path)


def _find(session: Session, user_id: int, key: str, path: str) -> KeptAnswer | None:
    row = session.scalar(_select(user_id, key, path))
    if row is None:
        return None
    return KeptAnswer(row.body_digest, row.status, row.answer)


def release_key(session: Session, user_id: int, key: str, path: str) -> None:
    """Drop the reservation of a request that ended without an answer worth keeping (a server
    error), so that the same key can be tried again."""
    row = session.scalar(_select(user_id, key, path))
    if row is not None and row.status is None:
        session.delete(row)
