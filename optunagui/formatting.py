"""Moments, numbers and byte counts as people read them, the same on every page, report and
command."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["SIGNIFICANT_DIGITS", "format_time", "human_size", "short_number"]

SIGNIFICANT_DIGITS = 6


def format_time(moment: datetime | None, *, missing: str = "—") -> str:
    """``2026-12-02 14:05 UTC``; a naive moment is taken as UTC; None gives ``missing``."""
    if moment is None:
        return missing
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def human_size(n_bytes: int) -> str:
    """``512 B``, ``2.0 KB``, ... up to ``GB`` (powers of 1024)."""
    size = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover - the loop always returns


def short_number(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A measured number to ``digits`` significant digits, without trailing zeros:
    ``0.9499999999999998`` is ``0.95``, ``123456789.0`` is ``1.23457e+08``; a whole number
    (an ``int``) is written in full."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"
