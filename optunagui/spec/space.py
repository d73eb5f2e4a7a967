"""Search spaces: a model's preset merged with the spec's own ranges, and how trials sample them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from optunagui.models import get_model
from optunagui.spec.model import ParamSpec

if TYPE_CHECKING:
    import optuna

    from optunagui.spec.model import ExperimentSpec

__all__ = ["distribution_from_param", "ordered_names", "param_from_distribution", "preset_space",
           "resolve_space", "space_from_dict", "space_to_dict", "suggest"]


def space_from_dict(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, ParamSpec]:
    return {name: ParamSpec.model_validate(dict(entry)) for name, entry in raw.items()}


def space_to_dict(space: Mapping[str, ParamSpec]) -> dict[str, dict[str, Any]]:
    return {name: param.to_dict() for name, param in space.items()}


def preset_space(model: str, preset: str) -> dict[str, ParamSpec]:
    return space_from_dict(get_model(model).presets[preset])


def resolve_space(spec: ExperimentSpec) -> dict[str, ParamSpec]:
    """The ranges a run searches: its model's preset, with the spec's entries on top.

    A code run has no preset: its space is the spec's entries (the code suggests the rest).
    """
    if spec.model is None:
        return dict(spec.space)
    space = preset_space(spec.model, spec.preset)
    space.update(spec.space)
    return space


def ordered_names(space: Mapping[str, ParamSpec]) -> list[str]:
    """Parameter names with every parent before the parameters that depend on it.

    Raises:
        ValueError: if conditions refer to each other in a cycle.
    """
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            raise ValueError(f"space.{name}.when: conditions form a cycle")
        visiting.add(name)
        for parent in (space[name].when or {}):
            if parent in space:
                visit(parent)
        visiting.discard(name)
        ordered.append(name)

    for name in space:
        visit(name)
    return ordered


def _is_active(param: ParamSpec, chosen: Mapping[str, Any]) -> bool:
    return all(
        parent in chosen and chosen[parent] in allowed
        for parent, allowed in (param.when or {}).items()
    )


def suggest(trial: optuna.Trial, space: Mapping[str, ParamSpec]) -> dict[str, Any]:
    """Ask the trial for every active parameter of the space (define-by-run).

    A conditional parameter is asked for only when its parents took one of the listed values,
    so it is absent from the trial otherwise. Fixed parameters are returned without asking.
    """
    chosen: dict[str, Any] = {}
    for name in ordered_names(space):
        param = space[name]
        if not _is_active(param, chosen):
            continue
        if param.type == "fixed":
            chosen[name] = param.value
        elif param.type == "categorical":
            chosen[name] = trial.suggest_categorical(name, param.choices)  # type: ignore[arg-type]
        elif param.type == "int":
            chosen[name] = trial.suggest_int(
                name, int(param.low), int(param.high),  # type: ignore[arg-type]
                step=int(param.step or 1), log=param.log,
            )
        else:
            chosen[name] = trial.suggest_float(
                name, float(param.low), float(param.high),  # type: ignore[arg-type]
                step=None if param.step is None else float(param.step), log=param.log,
            )
    return chosen


def param_from_distribution(distribution: Any) -> ParamSpec:
    """The spec entry of an Optuna distribution (what a code run's objective suggested)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(distribution, CategoricalDistribution):
        return ParamSpec(type="categorical", choices=list(distribution.choices))
    if isinstance(distribution, IntDistribution):
        step = None if distribution.log or distribution.step == 1 else distribution.step
        return ParamSpec(type="int", low=distribution.low, high=distribution.high,
                         log=distribution.log, step=step)
    if isinstance(distribution, FloatDistribution):
        return ParamSpec(type="float", low=distribution.low, high=distribution.high,
                         log=distribution.log, step=distribution.step)
    raise ValueError(f"unknown distribution {type(distribution).__name__}")


def distribution_from_param(param: ParamSpec) -> Any:
    """The Optuna distribution of a spec entry (None for a fixed value)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if param.type == "categorical":
        return CategoricalDistribution(list(param.choices or []))
    if param.type == "int":
        return IntDistribution(int(param.low), int(param.high),  # type: ignore[arg-type]
                               log=param.log, step=int(param.step or 1))
    if param.type == "float":
        return FloatDistribution(float(param.low), float(param.high),  # type: ignore[arg-type]
                                 log=param.log,
                                 step=None if param.step is None else float(param.step))
    return None
