"""Turning preset spaces into concrete parameter dicts for the model tests."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any


def _active(spec: Mapping[str, Any], chosen: Mapping[str, Any]) -> bool:
    return all(
        parent in chosen and chosen[parent] in allowed
        for parent, allowed in (spec.get("when") or {}).items()
    )


def _ordered(space: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Names with parents first (presets are small, so a fixed-point pass is enough)."""
    ordered: list[str] = []
    while len(ordered) < len(space):
        for name, spec in space.items():
            parents = [p for p in (spec.get("when") or {}) if p in space]
            if name not in ordered and all(p in ordered for p in parents):
                ordered.append(name)
    return ordered


def _snap(value: float, spec: Mapping[str, Any]) -> float:
    step = spec.get("step")
    if step:
        value = spec["low"] + round((value - spec["low"]) / step) * step
    return min(max(value, spec["low"]), spec["high"])


def _midpoint(spec: Mapping[str, Any]) -> Any:
    kind = spec["type"]
    if kind == "fixed":
        return spec["value"]
    if kind == "categorical":
        return spec["choices"][0]
    low, high = spec["low"], spec["high"]
    mid = math.sqrt(low * high) if spec.get("log") else (low + high) / 2
    mid = _snap(mid, spec)
    return round(mid) if kind == "int" else float(mid)


def _sample(spec: Mapping[str, Any], rng: random.Random) -> Any:
    kind = spec["type"]
    if kind == "fixed":
        return spec["value"]
    if kind == "categorical":
        return rng.choice(spec["choices"])
    low, high = spec["low"], spec["high"]
    if spec.get("log"):
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        value = rng.uniform(low, high)
    value = _snap(value, spec)
    return round(value) if kind == "int" else float(value)


def midpoint_params(space: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The middle of every range (geometric for log ranges), first choice, fixed values."""
    chosen: dict[str, Any] = {}
    for name in _ordered(space):
        if _active(space[name], chosen):
            chosen[name] = _midpoint(space[name])
    return chosen


def sample_params(space: Mapping[str, Mapping[str, Any]], seed: int) -> dict[str, Any]:
    """A random point of the space; conditional parameters only where their condition holds."""
    rng = random.Random(seed)
    chosen: dict[str, Any] = {}
    for name in _ordered(space):
        if _active(space[name], chosen):
            chosen[name] = _sample(space[name], rng)
    return chosen


#: The parameter that sets how long each iterative family trains.
ROUNDS_PARAM = {
    "lightgbm": "n_estimators",
    "xgboost": "n_estimators",
    "random_forest": "n_estimators",
    "extra_trees": "n_estimators",
    "hist_gradient_boosting": "max_iter",
    "mlp": "epochs",
}


def capped(model: str, params: Mapping[str, Any], rounds: int) -> dict[str, Any]:
    """``params`` with the model's rounds / trees / epochs capped, to keep the suite quick."""
    out = dict(params)
    key = ROUNDS_PARAM.get(model)
    if key in out:
        out[key] = min(int(out[key]), rounds)
    return out
