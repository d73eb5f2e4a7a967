"""Downsampling for huge runs: keep the best trials, then a seeded random sample of the rest."""

from __future__ import annotations

import numpy as np

__all__ = ["pick", "shown_note"]


def pick(
    indices: np.ndarray, score: np.ndarray, limit: int, *, seed: int = 0, best_share: float = 0.1
) -> np.ndarray:
    """At most `limit` of `indices`: the best `best_share` of the limit by score, then random.

    Returns the chosen indices in ascending order (trial order). NaN scores are never "best".
    """
    indices = np.asarray(indices)
    if indices.size <= limit:
        return np.sort(indices)
    n_best = int(limit * best_share)
    s = np.where(np.isfinite(score[indices]), score[indices], -np.inf)
    order = np.argpartition(-s, n_best)[:n_best] if n_best else np.empty(0, dtype=int)
    rest = np.setdiff1d(np.arange(indices.size), order, assume_unique=True)
    rng = np.random.default_rng(seed)
    extra = rng.choice(rest, size=limit - n_best, replace=False)
    return np.sort(indices[np.concatenate([order, extra])])


def shown_note(n_shown: int, n_total: int, what: str = "trials") -> str:
    """"" when everything is shown, else e.g. "showing 5,000 of 100,000 trials (best + random)"."""
    if n_shown >= n_total:
        return ""
    return f"showing {n_shown:,} of {n_total:,} {what} (best 10% + random sample)"
