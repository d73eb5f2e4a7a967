"""The search space of an attached study, grown from the distributions its trials used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["merged_space"]


def _widened(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    if old.get("type") != new.get("type"):
        return dict(new)
    if new.get("type") == "categorical":
        choices = list(old.get("choices") or [])
        choices += [c for c in new.get("choices") or [] if c not in choices]
        return {**old, "choices": choices}
    return {**old, "low": min(old["low"], new["low"]), "high": max(old["high"], new["high"])}


def merged_space(current: Mapping[str, Any], distributions: Mapping[str, str]
                 ) -> dict[str, Any]:
    """`current` (``{name: ParamSpec dict}``) with each distribution's range added: a name
    seen with several ranges gets the range covering them all."""
    from optuna.distributions import json_to_distribution

    from optunagui.spec.space import param_from_distribution

    space = {name: dict(param) for name, param in current.items()}
    for name, text in distributions.items():
        try:
            param = param_from_distribution(json_to_distribution(text)).to_dict()
        except (ValueError, KeyError, TypeError):
            continue
        space[name] = _widened(space[name], param) if name in space else param
    return space
