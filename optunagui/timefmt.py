"""Moments as people read them, the same on every page, report and command."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_time"]


def format_time(moment: datetime | None, *, missing: str = "—") -> str:
    """``2026-12-02 14:05 UTC``; a naive moment is taken as UTC; None gives ``missing``."""
    if moment is None:
        return missing
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
