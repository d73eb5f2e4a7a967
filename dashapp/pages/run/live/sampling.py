"""Which trials a figure draws when a run has more than a screen can show.

Up to ``limit`` points every one is drawn. Beyond it: the ``keep`` best (by the run's
direction), every trial that set a new best (an even spread of them, the last kept, when they
alone would fill half the figure), and an even spread of the rest, in their original order.
The figure says what it draws (``sample_title``) and carries the counts in its ``layout.meta``
(``{"shown": ..., "total": ...}``) so a reader and a test can tell a sampled figure from a
complete one; every trial stays in the trials table and the downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashapp.pages.run.live.records import is_better

__all__ = ["KEEP_BEST", "MAX_POINTS", "sample_meta", "sample_positions", "sample_title",
           "take"]

MAX_POINTS = 1_000
KEEP_BEST = 100


def sample_positions(
    values: Sequence[float], direction: str, *, limit: int = MAX_POINTS, keep: int = KEEP_BEST
) -> list[int]:
    """Positions into ``values`` to draw, ascending; all of them when there are ``limit`` or
    fewer."""
    count = len(values)
    if count <= limit:
        return list(range(count))
    descending = direction == "maximize"
    chosen = set(sorted(range(count), key=values.__getitem__, reverse=descending)[:keep])
    chosen.update(_thinned(_new_bests(values, direction), (limit - keep) // 2))
    spread = limit - len(chosen)
    if spread > 0:
        stride = count / spread
        chosen.update(int(k * stride) for k in range(spread))
    return sorted(chosen)


def _new_bests(values: Sequence[float], direction: str) -> list[int]:
    positions: list[int] = []
    best: float | None = None
    for position, value in enumerate(values):
        if is_better(value, best, direction):
            positions.append(position)
            best = value
    return positions


def _thinned(positions: list[int], at_most: int) -> list[int]:
    """An even spread of ``at_most`` of ``positions`` that keeps the last (the best)."""
    if len(positions) <= at_most:
        return positions
    stride = len(positions) / at_most
    return sorted({positions[int(k * stride)] for k in range(at_most - 1)} | {positions[-1]})


def take(items: Sequence[Any], positions: Sequence[int]) -> list[Any]:
    return [items[p] for p in positions]


def sample_meta(shown: int, total: int) -> dict[str, int]:
    return {"shown": shown, "total": total}


def sample_title(shown: int, total: int, noun: str = "trials") -> str:
    """The figure's note on what it draws; empty when it draws everything."""
    if shown >= total:
        return ""
    return (f"{shown:,} of {total:,} {noun} drawn: the best, every new best and an even "
            "spread of the rest (all of them are in the table)")
