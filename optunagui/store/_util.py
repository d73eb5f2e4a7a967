"""Small helpers shared by the repository modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from optunagui.store.errors import Conflict, NotFound

__all__ = ["conflict_guard", "require", "require_choice"]

T = TypeVar("T")


def require(session: Session, table: type[T], row_id: int, what: str) -> T:
    """The row with this primary key, or NotFound naming what was looked for."""
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(f"{what} {row_id!r} does not exist")
    return row


def require_choice(value: str, allowed: tuple[str, ...] | frozenset[str], what: str) -> str:
    if value not in allowed:
        choices = ", ".join(sorted(allowed) if isinstance(allowed, frozenset) else allowed)
        raise ValueError(f"unknown {what} {value!r}; expected one of: {choices}")
    return value


@contextmanager
def conflict_guard(session: Session, message: str) -> Iterator[None]:
    """Run a write in a savepoint; a unique/foreign-key violation becomes Conflict(message).

    The surrounding transaction stays usable after the conflict.
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as error:
        raise Conflict(message) from error
