"""Suggested ranges for one parameter from the best trials of earlier runs (pure functions).

Numeric parameters, on the parameter's own scale (log or linear):

- the range covered by each run's best trials, padded by ``MARGIN`` of its span on each side
  and kept inside what that run searched;
- where the best trials pressed against a bound the run searched (within ``EDGE`` of its
  range, or on the bound itself), that side moves out by ``WIDEN`` of the searched range, as
  far as the model allows (``bounds.allowed_ranges``); the reason says so;
- the runs' ranges joined, then rounded outwards to whole numbers (int), the step grid of the
  draft (when it has a step) or four significant digits.

Categorical parameters keep the draft's choices the best trials used, and those no earlier run
tried; a choice another parameter's condition (``when``) refers to is always kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from optunagui.recommend.past_runs import MIN_BEST, PastRun
from optunagui.recommend.record import ParamSuggestion
from optunagui.spec.model import ParamSpec

__all__ = ["EDGE", "MARGIN", "WIDEN", "categorical_suggestion", "fmt", "numeric_suggestion",
           "rounded_value"]

EDGE = 0.05
WIDEN = 0.5
MARGIN = 0.1


def fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def _runs_text(runs: Iterable[int]) -> str:
    ids = sorted(set(runs))
    return ("run " if len(ids) == 1 else "runs ") + ", ".join(str(i) for i in ids)


@dataclass(frozen=True)
class _Scale:
    log: bool

    def to(self, x: float) -> float:
        return math.log(x) if self.log else x

    def back(self, u: float) -> float:
        return math.exp(u) if self.log else u


@dataclass
class _RunRange:
    low: float
    high: float
    notes: list[str]
    widened: bool


def _numbers(run: PastRun, name: str) -> list[float]:
    found = []
    for trial in run.best():
        value = (trial.params or {}).get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            found.append(float(value))
    return found


def _side(run: PastRun, searched_bound: float, allowed_bound: float, pressed: bool,
          covered: float, pad: float, out: float, which: str, scale: _Scale
          ) -> tuple[float, str | None, bool]:
    """One end of a run's suggested range (on the scale): (value, note, widened)."""
    sign = -1.0 if which == "lower" else 1.0
    shown = scale.back(searched_bound)
    if not pressed:
        padded = covered + sign * pad
        return (max(padded, searched_bound) if which == "lower" else min(padded, searched_bound),
                None, False)
    beyond = searched_bound + sign * out
    limited = max(beyond, allowed_bound) if which == "lower" else min(beyond, allowed_bound)
    if (limited - searched_bound) * sign <= 1e-12:
        return searched_bound, (f"the best trials of run {run.run_id} sit at its {which} bound "
                                f"{fmt(shown)}, as far as the model's presets and the draft "
                                "go: kept"), False
    return limited, (f"the best trials of run {run.run_id} pressed against its {which} bound "
                     f"{fmt(shown)}: widened"), True


def _run_range(run: PastRun, name: str, searched: ParamSpec, allowed: tuple[float, float],
               scale: _Scale) -> _RunRange | None:
    values = _numbers(run, name)
    if len(values) < MIN_BEST:
        return None
    v_low, v_high = scale.to(min(values)), scale.to(max(values))
    # The searched range covers at least what was sampled (ranges can change during a run).
    s_low = min(scale.to(float(searched.low)), v_low)  # type: ignore[arg-type]
    s_high = max(scale.to(float(searched.high)), v_high)  # type: ignore[arg-type]
    width = s_high - s_low
    pad = MARGIN * max(v_high - v_low, EDGE * width)
    # On a log scale any positive value is allowed when a preset reaches zero.
    a_low = scale.to(allowed[0]) if not scale.log or allowed[0] > 0 else -math.inf
    a_high = scale.to(allowed[1])
    at_low = min(values) <= float(searched.low) or v_low - s_low <= EDGE * width  # type: ignore[arg-type]
    at_high = max(values) >= float(searched.high) or s_high - v_high <= EDGE * width  # type: ignore[arg-type]
    low, low_note, low_wide = _side(run, s_low, min(a_low, s_low), at_low and width > 0, v_low,
                                    pad, WIDEN * width, "lower", scale)
    high, high_note, high_wide = _side(run, s_high, max(a_high, s_high), at_high and width > 0,
                                       v_high, pad, WIDEN * width, "upper", scale)
    notes = [note for note in (low_note, high_note) if note]
    return _RunRange(low, high, notes, low_wide or high_wide)


def rounded_value(current: ParamSpec, value: float, up: bool) -> float | int:
    """A value on the draft's grid: whole for an int, on its step, else four significant
    digits; rounded up or down."""
    step = current.step
    if step:
        anchor = float(current.low)  # type: ignore[arg-type]
        n = (value - anchor) / float(step)
        n = math.ceil(n - 1e-9) if up else math.floor(n + 1e-9)
        moved = anchor + n * float(step)
        return int(round(moved)) if current.type == "int" else float(f"{moved:.10g}")
    if current.type == "int":
        return int(math.ceil(value - 1e-9) if up else math.floor(value + 1e-9))
    if value == 0:
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    scaled = value * 10**digits
    scaled = math.ceil(scaled - 1e-9) if up else math.floor(scaled + 1e-9)
    return float(f"{scaled / 10**digits:.4g}")


def numeric_suggestion(name: str, current: ParamSpec, runs: Sequence[PastRun],
                       allowed: tuple[float, float]) -> ParamSuggestion | None:
    """The suggested range of an int or float parameter, or None when no run searched it as a
    range with enough best trials holding it."""
    ranges: list[tuple[PastRun, _RunRange]] = []
    for run in runs:
        searched = run.space.get(name)
        if searched is None or searched.type not in ("int", "float"):
            continue
        log = current.log and searched.log and float(searched.low) > 0  # type: ignore[arg-type]
        scale = _Scale(bool(log))
        found = _run_range(run, name, searched, allowed, scale)
        if found is not None:
            ranges.append((run, _RunRange(scale.back(found.low), scale.back(found.high),
                                          found.notes, found.widened)))
    if not ranges:
        return None
    # A value a finished trial of this model held is one the model takes.
    best_values = [value for run, _ in ranges for value in _numbers(run, name)]
    low = max(min(r.low for _, r in ranges), min(allowed[0], min(best_values)))
    high = min(max(r.high for _, r in ranges), max(allowed[1], max(best_values)))
    new_low, new_high = rounded_value(current, low, up=False), rounded_value(current, high, up=True)
    # Kept inside the allowed range on the draft's grid, best values included.
    new_low = max(new_low, min(rounded_value(current, allowed[0], up=True),
                               rounded_value(current, min(best_values), up=False)))
    new_high = min(new_high, max(rounded_value(current, allowed[1], up=False),
                                 rounded_value(current, max(best_values), up=True)))
    if current.log and new_low <= 0:
        new_low = current.low  # type: ignore[assignment]
    suggested = {**current.to_dict(), "low": new_low, "high": new_high}
    reason = [f"the best {len(best_values)} trials of "
              f"{_runs_text(run.run_id for run, _ in ranges)} lie in "
              f"[{fmt(min(best_values))}, {fmt(max(best_values))}]"]
    reason += [note for _, r in ranges for note in r.notes]
    if (new_low, new_high) == (current.low, current.high):
        change = "keep"
    elif any(r.widened for _, r in ranges) or new_low < current.low or new_high > current.high:  # type: ignore[operator]
        change = "widen"
    else:
        change = "narrow"
    return ParamSuggestion(name, current.to_dict(), suggested if change != "keep"
                           else current.to_dict(), change, "; ".join(reason))


def _key(value: object) -> tuple[str, object]:
    return type(value).__name__, value


def categorical_suggestion(name: str, current: ParamSpec, runs: Sequence[PastRun],
                           referenced: Iterable[object] = ()) -> ParamSuggestion | None:
    """The draft's choices narrowed to those the best trials used (None: no run searched it as
    a choice with enough best trials holding it).

    Args:
        referenced: choices another parameter's condition names; they are always kept.
    """
    used: dict[tuple[str, object], object] = {}
    searched: set[tuple[str, object]] = set()
    sources, n_best = [], 0
    for run in runs:
        entry = run.space.get(name)
        if entry is None or entry.type != "categorical":
            continue
        holding = [(t.params or {})[name] for t in run.best() if name in (t.params or {})]
        if len(holding) < MIN_BEST:
            continue
        sources.append(run.run_id)
        n_best += len(holding)
        searched.update(_key(c) for c in entry.choices or [])
        used.update((_key(v), v) for v in holding)
    if not sources:
        return None
    choices = list(current.choices or [])
    keep_always = {_key(c) for c in referenced}
    kept = [c for c in choices if _key(c) in used or _key(c) not in searched
            or _key(c) in keep_always]
    where = f"the best {n_best} trials of {_runs_text(sources)}"
    dropped = [c for c in choices if c not in kept]
    if not dropped:
        return ParamSuggestion(name, current.to_dict(), current.to_dict(), "keep",
                               f"{where} used every choice of the draft they could")
    if not kept:
        return ParamSuggestion(name, current.to_dict(), current.to_dict(), "keep",
                               f"{where} used none of the draft's choices: kept as they are")
    dropped_text = ", ".join(fmt(c) for c in dropped)
    if len(kept) == 1:
        suggested = {"type": "fixed", "value": kept[0], **_when(current)}
        return ParamSuggestion(name, current.to_dict(), suggested, "fix",
                               f"{where} all used {fmt(kept[0])}; never {dropped_text}")
    suggested = {**current.to_dict(), "choices": kept}
    return ParamSuggestion(name, current.to_dict(), suggested, "choices",
                           f"{where} used only {', '.join(fmt(c) for c in kept)}; "
                           f"dropped {dropped_text}")


def _when(current: ParamSpec) -> dict[str, object]:
    return {"when": current.when} if current.when else {}
