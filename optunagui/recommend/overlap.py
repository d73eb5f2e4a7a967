"""How much two search spaces overlap (pure functions).

Per parameter, on the parameter's own scale:

- two numeric ranges: the length of their intersection over the length of their union, on a
  log scale when either range is searched on one (and both are positive); two equal single
  points count as 1;
- two sets of choices: their Jaccard index (shared choices over all choices);
- two fixed values: 1 when equal, else 0; a fixed value against a range or choices: 1 when the
  range or choices hold it and consist of that value only, else 0;
- a parameter only one space searches: 0.

The space's overlap is the mean over the parameters either space searches (fixed ones
included); two empty spaces overlap fully.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from optunagui.spec.model import ParamSpec

__all__ = ["NUMERIC", "param_overlap", "space_overlap"]

NUMERIC = ("int", "float")


def _key(value: object) -> tuple[str, object]:
    return type(value).__name__, value


def _interval(low: float, high: float, log: bool) -> tuple[float, float]:
    if log:
        return math.log(low), math.log(high)
    return low, high


def _numeric_overlap(a: ParamSpec, b: ParamSpec) -> float:
    a_low, a_high = float(a.low), float(a.high)  # type: ignore[arg-type]
    b_low, b_high = float(b.low), float(b.high)  # type: ignore[arg-type]
    log = (a.log or b.log) and min(a_low, b_low) > 0
    a_low, a_high = _interval(a_low, a_high, log)
    b_low, b_high = _interval(b_low, b_high, log)
    union = max(a_high, b_high) - min(a_low, b_low)
    if union <= 0:
        return 1.0  # both the same single point
    inside = max(0.0, min(a_high, b_high) - max(a_low, b_low))
    return inside / union


def _values(param: ParamSpec) -> set[tuple[str, object]] | None:
    """The choices a categorical or fixed parameter may take; None for a range."""
    if param.type == "categorical":
        return {_key(c) for c in param.choices or []}
    if param.type == "fixed":
        return {_key(param.value)}
    return None


def param_overlap(a: ParamSpec | None, b: ParamSpec | None) -> float:
    """The overlap of one parameter's entries in two spaces, in [0, 1] (see the module doc)."""
    if a is None or b is None:
        return 0.0
    if a.type in NUMERIC and b.type in NUMERIC:
        return _numeric_overlap(a, b)
    a_values, b_values = _values(a), _values(b)
    if a_values is not None and b_values is not None:
        union = a_values | b_values
        return len(a_values & b_values) / len(union) if union else 1.0
    # A fixed value against a range: the same only when the range is that single value.
    fixed, ranged = (a, b) if a.type == "fixed" else (b, a)
    if fixed.type != "fixed" or ranged.type not in NUMERIC:
        return 0.0
    value = fixed.value
    if not isinstance(value, int | float) or isinstance(value, bool):
        return 0.0
    return 1.0 if float(ranged.low) == float(ranged.high) == float(value) else 0.0  # type: ignore[arg-type]


def space_overlap(a: Mapping[str, ParamSpec], b: Mapping[str, ParamSpec]
                  ) -> tuple[float, dict[str, float]]:
    """The mean overlap of two spaces and each parameter's own (names in ``a``'s order, then
    those only ``b`` has)."""
    names = list(dict.fromkeys([*a, *b]))
    if not names:
        return 1.0, {}
    each = {name: param_overlap(a.get(name), b.get(name)) for name in names}
    return sum(each.values()) / len(each), each
