"""Refinement advice: what to change in the search space for the next run, from the trials.

Three kinds, each carrying the parameter's new spec (a `ParamSpec` dict) so that one click can
turn it into a new run or a range change of the running run:

- "fix": the parameter barely matters (importance below `negligible`): fix it at the best value.
- "widen": the best value sits against a range bound (within `edge` of the range, on the
  parameter's own scale): widen that side.
- "narrow": the top quantile of trials lies in a small part of the range (or never used some
  choices): narrow the range to where they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optunagui.analysis.frame import ParamColumn, TrialFrame
from optunagui.analysis.importance import ImportanceRecord

__all__ = ["Advice", "compute_advice"]

MIN_TRIALS = 20


@dataclass(frozen=True)
class Advice:
    kind: str  # "fix" | "widen" | "narrow"
    param: str
    message: str
    current: dict[str, Any]
    proposed: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)


def _current(col: ParamColumn) -> dict[str, Any]:
    if col.spec:
        return dict(col.spec)
    if col.kind == "categorical":
        return {"type": "categorical", "choices": list(col.choices)}
    low, high = (int(col.low), int(col.high)) if col.kind == "int" else (col.low, col.high)
    return {"type": col.kind, "low": low, "high": high, **({"log": True} if col.log else {})}


def _from_unit(col: ParamColumn, u: float) -> float:
    if col.log:
        return math.exp(math.log(col.low) + u * (math.log(col.high) - math.log(col.low)))
    return col.low + u * (col.high - col.low)


def _rounded(col: ParamColumn, value: float, up: bool) -> float | int:
    if col.kind == "int":
        return int(math.ceil(value) if up else math.floor(value))
    return float(f"{value:.4g}")


def _widen(col: ParamColumn, side: str) -> dict[str, Any] | None:
    spec = _current(col)
    low, high = float(spec["low"]), float(spec["high"])
    if side == "high":
        if col.kind == "float" and high == 1.0 and low >= 0.0:
            return None  # a fraction (subsample, dropout...): 1.0 is a hard limit
        new = high * (high / low) ** 0.5 if col.log else high + 0.5 * (high - low)
        spec["high"] = _on_step(spec, _rounded(col, new, up=True), "high")
    else:
        if col.log:
            new = low / (high / low) ** 0.5
        else:
            new = low - 0.5 * (high - low)
            if low >= 0:  # non-negative ranges stay non-negative (counts stay >= 1)
                new = max(new, 1.0 if col.kind == "int" and low >= 1 else 0.0)
        if new >= low:
            return None
        spec["low"] = _on_step(spec, _rounded(col, new, up=False), "low")
    return spec


def _on_step(spec: dict[str, Any], value: float, side: str) -> float | int:
    """Move a new bound outwards onto the range's step grid (when it has a step)."""
    step = spec.get("step")
    if not step:
        return value
    anchor = spec["low"] if side == "high" else spec["high"]
    n = abs(value - anchor) / step
    n = math.ceil(n - 1e-9)
    moved = anchor + n * step if side == "high" else anchor - n * step
    return type(step)(moved) if isinstance(step, int) else float(f"{moved:.10g}")


def compute_advice(
    frame: TrialFrame,
    importance: ImportanceRecord | None = None,
    *,
    objective: int | str = 0,
    top_quantile: float = 0.1,
    negligible: float = 0.02,
    edge: float = 0.05,
    narrow_below: float = 0.5,
) -> list[Advice]:
    """Advice for each parameter (an empty list while fewer than 20 trials are complete).

    Args:
        importance: importances of the same objective; without it no "fix" advice is given.
        top_quantile: the share of best trials that defines where the good region is.
        negligible: importance share under which a parameter counts as not mattering.
        edge: how close (share of the range, on the parameter's scale) counts as at a bound.
        narrow_below: suggest narrowing when the top trials span less than this share.
    """
    k = frame.objective_index(objective)
    idx = frame.complete(k)
    if idx.size < MIN_TRIALS:
        return []
    score = frame.score(k)[idx]
    n_top = max(3, int(math.ceil(top_quantile * idx.size)))
    top = idx[np.argsort(-score, kind="stable")[:n_top]]
    best = int(top[0])
    advice: list[Advice] = []
    for name, col in frame.params.items():
        current = _current(col)
        best_value = col.label(col.values[best])
        share = importance.importances.get(name) if importance is not None else None
        if share is not None and share < negligible and best_value is not None:
            advice.append(Advice(
                "fix", name,
                f"{name} hardly matters ({share:.1%} of the importance): fix it at "
                f"{best_value!r}, the best trial's value, to search the rest harder.",
                current, {"type": "fixed", "value": best_value},
                {"importance": share, "method": importance.method if importance else None}))
            continue
        present = top[np.isfinite(col.values[top])]
        if present.size < 3 or best_value is None:
            continue
        if col.kind == "categorical":
            used = {col.choices[int(c)] for c in col.values[present]}
            unused = [c for c in col.choices if c not in used]
            tried = np.isfinite(col.values[idx]).sum()
            if unused and len(used) >= 1 and tried >= 5 * len(col.choices):
                choices = [c for c in col.choices if c in used]
                advice.append(Advice(
                    "narrow", name,
                    f"{name}: none of the best {present.size} trials used "
                    f"{', '.join(map(repr, unused))}; drop {'it' if len(unused) == 1 else 'them'}.",
                    current, {**current, "choices": choices}, {"unused": unused}))
            continue
        unit_best = float(np.clip(col.unit(np.array([col.values[best]]))[0], 0, 1))
        step = 1.0 / max(col.high - col.low, 1) if col.kind == "int" else 0.0
        side = ("low" if unit_best <= max(edge, step / 2) else
                "high" if unit_best >= 1 - max(edge, step / 2) else None)
        if side is not None:
            proposed = _widen(col, side)
            if proposed is not None:
                bound = current.get(side)
                advice.append(Advice(
                    "widen", name,
                    f"{name}: the best value {best_value!r} sits at the {side} end of the range "
                    f"({bound}); widen it to {proposed[side]} to see whether "
                    f"{'lower' if side == 'low' else 'higher'} values do better.",
                    current, proposed, {"side": side, "best": best_value}))
                continue
        unit_top = np.clip(col.unit(col.values[present]), 0, 1)
        lo_u, hi_u = float(unit_top.min()), float(unit_top.max())
        if hi_u - lo_u < narrow_below:
            margin = 0.1 * max(hi_u - lo_u, 0.05)
            new_low = _rounded(col, _from_unit(col, max(lo_u - margin, 0.0)), up=False)
            new_high = _rounded(col, _from_unit(col, min(hi_u + margin, 1.0)), up=True)
            new_low, new_high = max(new_low, current["low"]), min(new_high, current["high"])
            if new_high > new_low:
                advice.append(Advice(
                    "narrow", name,
                    f"{name}: the best {present.size} trials all lie in [{new_low}, {new_high}] "
                    f"({hi_u - lo_u:.0%} of the range); narrow the range to it.",
                    current, {**current, "low": new_low, "high": new_high},
                    {"top_low": col.label(float(col.values[present].min())),
                     "top_high": col.label(float(col.values[present].max()))}))
    return advice
