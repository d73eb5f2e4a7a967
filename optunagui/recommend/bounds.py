"""How far a suggestion may reach: the model's presets say where a parameter may go.

A model family has no separate table of hard limits; its presets ("fast", "default", "wide")
are the ranges its authors vetted. The allowed range of a parameter is the widest range any
preset gives it, joined with the draft's own range (a person may reach past the presets on
purpose). A suggestion is never widened beyond it.
"""

from __future__ import annotations

from collections.abc import Mapping

from optunagui.models import UnknownModelError, get_model
from optunagui.spec.model import ParamSpec

__all__ = ["allowed_ranges"]


def allowed_ranges(model: str, current: Mapping[str, ParamSpec]
                   ) -> dict[str, tuple[float, float]]:
    """(low, high) per numeric parameter of ``current``: its presets' widest range and its own."""
    try:
        presets = get_model(model).presets
    except UnknownModelError:
        presets = {}
    allowed: dict[str, tuple[float, float]] = {}
    for name, param in current.items():
        if param.type not in ("int", "float"):
            continue
        low, high = float(param.low), float(param.high)  # type: ignore[arg-type]
        for space in presets.values():
            entry = space.get(name)
            if entry and entry.get("type") in ("int", "float"):
                low, high = min(low, float(entry["low"])), max(high, float(entry["high"]))
        allowed[name] = (low, high)
    return allowed
