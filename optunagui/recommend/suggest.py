"""Suggestions for a draft's search space from earlier runs' trials (pure: no database)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence

from optunagui.recommend.bounds import allowed_ranges
from optunagui.recommend.mattering import NEGLIGIBLE, Importance, fanova_shares, never_mattered
from optunagui.recommend.past_runs import PastRun
from optunagui.recommend.ranges import (
    categorical_suggestion,
    fmt,
    numeric_suggestion,
    rounded_value,
)
from optunagui.recommend.record import MATCHES, ParamSuggestion, SourceRun, Suggestions
from optunagui.spec.model import ParamSpec

__all__ = ["suggest_from_history"]


def _referenced(current: Mapping[str, ParamSpec]) -> dict[str, list[object]]:
    """Parent parameter -> the values other parameters' conditions name."""
    found: dict[str, list[object]] = {}
    for param in current.values():
        for parent, values in (param.when or {}).items():
            found.setdefault(parent, []).extend(values)
    return found


def _fixed_value(name: str, current: ParamSpec, runs: Sequence[PastRun]) -> object | None:
    """The value to fix a parameter that never mattered at: the best trials' median (a
    number) or their most common choice among the draft's."""
    values = [(t.params or {})[name] for run in runs for t in run.best()
              if name in (t.params or {})]
    if current.type == "categorical":
        allowed = list(current.choices or [])
        counts = Counter(repr(v) for v in values if v in allowed)
        if not counts:
            return None
        top = max(counts.values())
        return next(c for c in allowed if counts.get(repr(c)) == top)
    numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return None
    middle = statistics.median(numbers)
    below, above = rounded_value(current, middle, up=False), rounded_value(current, middle, up=True)
    return below if abs(middle - below) <= abs(above - middle) else above


def _fix(name: str, current: ParamSpec, runs: Sequence[PastRun], share: float,
         measured: list[int]) -> ParamSuggestion | None:
    value = _fixed_value(name, current, runs)
    if value is None:
        return None
    suggested = {"type": "fixed", "value": value}
    if current.when:
        suggested["when"] = current.when
    where = ("run " if len(measured) == 1 else "runs ") + ", ".join(map(str, sorted(measured)))
    return ParamSuggestion(
        name, current.to_dict(), suggested, "fix",
        f"it never mattered: at most {share:.1%} of the importance (fANOVA, under "
        f"{NEGLIGIBLE:.0%}) in {where}; fixed at {fmt(value)}, the best trials' "
        f"{'most common choice' if current.type == 'categorical' else 'median'}")


def _one(name: str, current: ParamSpec, runs: Sequence[PastRun],
         allowed: Mapping[str, tuple[float, float]],
         negligible: Mapping[str, tuple[float, list[int]]],
         referenced: Mapping[str, list[object]]) -> ParamSuggestion:
    keep = current.to_dict()
    if current.type == "fixed":
        return ParamSuggestion(name, keep, keep, "keep", "fixed in the draft")
    if name in negligible and name not in referenced:
        fixed = _fix(name, current, runs, *negligible[name])
        if fixed is not None:
            return fixed
    if current.type == "categorical":
        found = categorical_suggestion(name, current, runs, referenced.get(name, ()))
    elif name in referenced:
        found = ParamSuggestion(name, keep, keep, "keep",
                                "another parameter's condition depends on its values")
    else:
        found = numeric_suggestion(name, current, runs, allowed[name])
    if found is None:
        return ParamSuggestion(name, keep, keep, "keep",
                               "no earlier run searched it with enough best trials holding it")
    return found


def suggest_from_history(model: str, current: Mapping[str, ParamSpec], runs: Sequence[PastRun],
                         *, importance: Importance = fanova_shares) -> Suggestions:
    """Suggested entries for each parameter of the draft's space ``current`` (the preset with
    the draft's own entries on top), from the best trials of ``runs``.

    Runs with fewer than ``past_runs.MIN_TRIALS`` complete trials are left out. The record
    lists every parameter of ``current``, unchanged ones with ``change == "keep"``.
    """
    usable = [run for run in runs if run.usable]
    if not usable:
        return Suggestions(model=model, match=None)
    negligible = never_mattered(usable, importance)
    referenced = _referenced(current)
    allowed = allowed_ranges(model, current)
    params = tuple(_one(name, param, usable, allowed, negligible, referenced)
                   for name, param in current.items())
    sources = tuple(SourceRun(run.run_id, run.experiment_id, run.name, run.match,
                              len(run.finished()), len(run.best())) for run in usable)
    matches = [run.match for run in usable]
    return Suggestions(model=model, match=min(matches, key=MATCHES.index), runs=sources,
                       params=params)

