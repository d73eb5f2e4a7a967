"""Counts in the wizard's sentences: "1 trial", "2 trials"."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int | float, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun that agrees with it ("1 run", "3 runs", "1 class", "2 classes")."""
    word = singular if n == 1 else (plural or f"{singular}s")
    return f"{n:g} {word}" if isinstance(n, float) else f"{n} {word}"
