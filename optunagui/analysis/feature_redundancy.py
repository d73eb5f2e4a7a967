"""Which input columns say the same thing: duplicates (an identical column, or for text and
categories the same values under other names) and numeric columns in strong rank correlation
(|Spearman| at least ``REDUNDANT_RHO``), measured on a sample of the run's search rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optunagui.features import is_numeric

__all__ = ["REDUNDANT_RHO", "Likeness", "find_likeness", "sample_rows"]

REDUNDANT_RHO = 0.95
SAMPLE_ROWS = 2000


@dataclass(frozen=True)
class Likeness:
    """How column ``a`` stands to ``b``: ``kind`` is "duplicate" (same values, or the same up to
    renaming them) or "correlated"; ``rho`` is the Spearman correlation (None when not numeric).
    """

    kind: str
    rho: float | None

    def describe(self, partner: str) -> str:
        if self.kind == "duplicate":
            return f"a duplicate of {partner}"
        return f"correlated with {partner} (Spearman {self.rho:+.3f})"


def sample_rows(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    if len(frame) <= SAMPLE_ROWS:
        return frame
    return frame.sample(n=SAMPLE_ROWS, random_state=seed)


def _same_up_to_renaming(a: pd.Series, b: pd.Series) -> bool:
    codes_a, uniques_a = pd.factorize(a, use_na_sentinel=False)
    codes_b, uniques_b = pd.factorize(b, use_na_sentinel=False)
    if len(uniques_a) != len(uniques_b):
        return False
    pairs = len(set(zip(codes_a.tolist(), codes_b.tolist(), strict=True)))
    return pairs == len(uniques_a)


def _duplicate(a: pd.Series, b: pd.Series) -> bool:
    if a.reset_index(drop=True).equals(b.reset_index(drop=True)):
        return True
    if is_numeric(a) and is_numeric(b):
        left, right = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        return bool(np.array_equal(left, right, equal_nan=True))
    if is_numeric(a) or is_numeric(b):
        return False
    return _same_up_to_renaming(a.astype(str), b.astype(str))


def find_likeness(frame: pd.DataFrame) -> dict[tuple[str, str], Likeness]:
    """Every pair of alike columns, both ways round (``(a, b)`` and ``(b, a)``)."""
    columns = [str(c) for c in frame.columns]
    numeric = [c for c in columns if is_numeric(frame[c])]
    rho = (frame[numeric].astype(float).corr(method="spearman")
           if len(numeric) > 1 else pd.DataFrame())
    found: dict[tuple[str, str], Likeness] = {}
    for i, a in enumerate(columns):
        for b in columns[i + 1:]:
            r = None
            if a in rho.index and b in rho.index and np.isfinite(rho.loc[a, b]):
                r = float(rho.loc[a, b])
            if _duplicate(frame[a], frame[b]):
                likeness = Likeness("duplicate", r)
            elif r is not None and abs(r) >= REDUNDANT_RHO:
                likeness = Likeness("correlated", r)
            else:
                continue
            found[(a, b)] = found[(b, a)] = likeness
    return found
