"""The errors the store raises: callers never see a raw SQLAlchemy or driver exception."""

from __future__ import annotations

__all__ = ["Conflict", "InvalidState", "NotFound", "StoreError"]


class StoreError(Exception):
    """A database operation failed; the message says what and why."""


class NotFound(StoreError, LookupError):
    """A row that an update or delete needs does not exist (get_* functions return None)."""


class Conflict(StoreError):
    """A write clashes with a row already there (duplicate username, name, study name...)."""


class InvalidState(StoreError):
    """A change that the row's current state does not allow (e.g. restarting a finished run)."""
