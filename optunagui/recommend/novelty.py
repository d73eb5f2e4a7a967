"""Where no earlier similar run has searched: ranges and choices to explore (pure functions).

For a numeric parameter of the draft, the regions of its allowed range (``bounds``: the
widest any preset of the model gives, joined with the draft's) that lie outside every earlier
run's searched range, on the parameter's scale; regions narrower than ``MIN_GAP`` of the
allowed range are left out. For a categorical parameter, the choices of the draft and of the
model's presets that no earlier run offered. Each region comes with the draft's entry widened
to reach it (or with the choice added), to take with one click.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optunagui.models import UnknownModelError, get_model
from optunagui.recommend.bounds import allowed_ranges
from optunagui.recommend.overlap import NUMERIC
from optunagui.recommend.ranges import fmt
from optunagui.spec.model import ParamSpec

__all__ = ["MIN_GAP", "Unexplored", "unexplored_regions"]

MIN_GAP = 0.05


@dataclass(frozen=True)
class Unexplored:
    """One region of the space no earlier similar run searched.

    Attributes:
        kind: "range" (``low`` .. ``high``) or "choice" (``choice``).
        suggested: the draft's entry widened to hold it (or with the choice added).
        in_draft: the draft already searches it.
    """

    name: str
    kind: str
    current: dict[str, Any]
    suggested: dict[str, Any]
    in_draft: bool
    low: float | int | None = None
    high: float | int | None = None
    choice: Any = None

    @property
    def text(self) -> str:
        where = (f"{fmt(self.low)} .. {fmt(self.high)}" if self.kind == "range"
                 else f"the choice {fmt(self.choice)}")
        return f"{self.name}: {where}, searched by no earlier similar run"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "low": self.low, "high": self.high,
                "choice": self.choice, "current": self.current, "suggested": self.suggested,
                "in_draft": self.in_draft, "text": self.text}


def _key(value: object) -> tuple[str, object]:
    return type(value).__name__, value


def _covered(spaces: Sequence[Mapping[str, ParamSpec]], name: str, log: bool
             ) -> list[tuple[float, float]]:
    """The searched intervals of ``name`` (on the scale), merged, lowest first."""
    found = []
    for space in spaces:
        entry = space.get(name)
        if entry is None or entry.type not in NUMERIC:
            continue
        low, high = float(entry.low), float(entry.high)  # type: ignore[arg-type]
        if log and low <= 0:
            continue
        found.append((math.log(low), math.log(high)) if log else (low, high))
    merged: list[tuple[float, float]] = []
    for low, high in sorted(found):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _gaps(allowed: tuple[float, float], covered: list[tuple[float, float]]
          ) -> list[tuple[float, float]]:
    """The parts of ``allowed`` outside every ``covered`` interval."""
    gaps, at = [], allowed[0]
    for low, high in covered:
        if low > at:
            gaps.append((at, min(low, allowed[1])))
        at = max(at, high)
        if at >= allowed[1]:
            return gaps
    gaps.append((at, allowed[1]))
    return gaps


def _grid_index(k: float, on_bound: bool, up: bool) -> int:
    """The whole number at or past ``k`` (up or down); strictly past it where ``k`` is a
    searched end rather than the allowed bound."""
    if on_bound:
        return math.ceil(k - 1e-9) if up else math.floor(k + 1e-9)
    return math.floor(k + 1e-9) + 1 if up else math.ceil(k - 1e-9) - 1


def _value(param: ParamSpec, u: float, log: bool, on_bound: bool, up: bool) -> float | int:
    """A gap's end on the draft's grid: inside the gap (past a searched end), on the step."""
    x = math.exp(u) if log else u
    if param.step:
        base, step = float(param.low), float(param.step)  # type: ignore[arg-type]
        k = _grid_index((x - base) / step, on_bound, up)
        value = base + k * step
        return int(round(value)) if param.type == "int" else float(f"{value:.6g}")
    if param.type == "int":
        return _grid_index(x, on_bound, up)
    return float(f"{x:.4g}")


def _numeric(name: str, current: ParamSpec, spaces: Sequence[Mapping[str, ParamSpec]],
             allowed: tuple[float, float]) -> list[Unexplored]:
    log = bool(current.log)
    low, high = allowed
    if log and low <= 0:
        positive = [float(s[name].low) for s in spaces  # type: ignore[arg-type]
                    if name in s and s[name].type in NUMERIC and float(s[name].low) > 0]  # type: ignore[arg-type]
        low = min([float(current.low), *positive])  # type: ignore[arg-type]
    scaled = (math.log(low), math.log(high)) if log else (low, high)
    width = scaled[1] - scaled[0]
    found = []
    for g_low, g_high in _gaps(scaled, _covered(spaces, name, log)):
        if width <= 0 or (g_high - g_low) < MIN_GAP * width:
            continue
        v_low = _value(current, g_low, log, g_low == scaled[0], up=True)
        v_high = _value(current, g_high, log, g_high == scaled[1], up=False)
        if v_low > v_high:
            continue
        entry = current.to_dict()
        suggested = {**entry, "low": min(current.low, v_low),  # type: ignore[type-var]
                     "high": max(current.high, v_high)}  # type: ignore[type-var]
        in_draft = current.low <= v_low and current.high >= v_high  # type: ignore[operator]
        found.append(Unexplored(name, "range", entry, suggested, bool(in_draft),
                                low=v_low, high=v_high))
    return found


def _preset_choices(model: str, name: str) -> list[Any]:
    try:
        presets = get_model(model).presets
    except UnknownModelError:
        return []
    found: list[Any] = []
    for space in presets.values():
        entry = space.get(name) or {}
        if entry.get("type") == "categorical":
            found.extend(entry.get("choices") or [])
    return found


def _categorical(model: str, name: str, current: ParamSpec,
                 spaces: Sequence[Mapping[str, ParamSpec]]) -> list[Unexplored]:
    tried: set[tuple[str, object]] = set()
    for space in spaces:
        entry = space.get(name)
        if entry is not None and entry.type == "categorical":
            tried.update(_key(c) for c in entry.choices or [])
        elif entry is not None and entry.type == "fixed":
            tried.add(_key(entry.value))
    own = list(current.choices or [])
    pool = list({_key(c): c for c in [*own, *_preset_choices(model, name)]}.values())
    draft_entry = current.to_dict()
    return [Unexplored(name, "choice", draft_entry,
                       {**draft_entry, "choices": own if choice in own else [*own, choice]},
                       _key(choice) in {_key(c) for c in own}, choice=choice)
            for choice in pool if _key(choice) not in tried]


def unexplored_regions(model: str, current: Mapping[str, ParamSpec],
                       spaces: Sequence[Mapping[str, ParamSpec]]) -> list[Unexplored]:
    """The regions of the draft's space ``current`` that none of ``spaces`` (the earlier
    similar runs' searched spaces) searched; empty when there is no earlier run."""
    if not spaces:
        return []
    allowed = allowed_ranges(model, current)
    found: list[Unexplored] = []
    for name, param in current.items():
        if param.type in NUMERIC:
            found.extend(_numeric(name, param, spaces, allowed[name]))
        elif param.type == "categorical":
            found.extend(_categorical(model, name, param, spaces))
    return found
