"""A spec's warm start: configurations the run evaluates first, checked against its space.

Each configuration maps parameter names to values. The rules:

- at most ``MAX_WARM_START`` configurations, and no more than the run's trial budget;
- every name is a parameter of the run's resolved space (the preset with the spec's entries);
- every value fits its parameter: a number of the right kind inside ``low..high`` (and on its
  ``step``), one of a categorical's choices, a fixed parameter's own value. A value outside the
  space is refused, never dropped or clipped: the person decides what to evaluate;
- a conditional parameter may be absent when its condition is not met, and may not be given
  when the configuration's own values say it is inactive;
- parameters a configuration leaves out are chosen by the sampler (Optuna's
  ``enqueue_trial`` semantics);
- no configuration twice; the grid sampler takes none (it enumerates its own grid).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from optunagui.spec.space import ordered_names

if TYPE_CHECKING:
    from optunagui.spec.model import ExperimentSpec, ParamSpec

__all__ = ["MAX_WARM_START", "check_warm_start", "config_problems", "inactive_names"]

MAX_WARM_START = 50

Add = Callable[[str, str], None]


def _number_text(value: float | int | None) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_choice(value: object, choice: object) -> bool:
    if _is_number(value) and _is_number(choice):
        return float(value) == float(choice)  # type: ignore[arg-type]
    return type(value) is type(choice) and value == choice


def _on_step(param: ParamSpec, value: float) -> bool:
    if param.step is None:
        return True
    steps = (value - float(param.low)) / float(param.step)  # type: ignore[arg-type]
    return abs(steps - round(steps)) <= 1e-9 * max(1.0, abs(steps))


def value_problem(param: ParamSpec, value: Any) -> tuple[Any, str | None]:
    """The value as the run uses it (a whole float made an int for an int parameter), and
    what is wrong with it for ``param`` (None: it fits)."""
    if param.type == "fixed":
        if _same_choice(value, param.value):
            return param.value, None
        return value, f"{value!r} differs from its fixed value {param.value!r}"
    if param.type == "categorical":
        choices = list(param.choices or [])
        for choice in choices:
            if _same_choice(value, choice):
                return choice, None
        return value, (f"{value!r} is not one of its choices: "
                       + ", ".join(repr(c) for c in choices))
    if not _is_number(value):
        kind = "a whole number" if param.type == "int" else "a number"
        return value, f"needs {kind}, got {type(value).__name__} {value!r}"
    if not math.isfinite(float(value)):
        return value, f"needs a finite number, got {value!r}"
    if param.type == "int":
        if float(value) != int(value):
            return value, f"needs a whole number, got {value!r}"
        value = int(value)
    low, high = param.low, param.high
    if not low <= value <= high:
        return value, f"{_number_text(value)} is outside {_number_text(low)}..{_number_text(high)}"
    if not _on_step(param, float(value)):
        return value, (f"{_number_text(value)} is not on its step {_number_text(param.step)} "
                       f"from {_number_text(low)}")
    return value, None


def inactive_names(config: Mapping[str, Any], space: Mapping[str, ParamSpec]) -> set[str]:
    """Names of ``config`` whose condition its own values (and the fixed ones) rule out; a
    condition on a parent the configuration leaves to the sampler is not ruled out."""
    known: dict[str, Any] = {name: param.value for name, param in space.items()
                             if param.type == "fixed" and not param.when}
    known.update(config)
    ruled_out: set[str] = set()
    for name in ordered_names(space):
        for parent, allowed in (space[name].when or {}).items():
            if parent in ruled_out or (parent in known and not any(
                    _same_choice(known[parent], a) for a in allowed)):
                ruled_out.add(name)
                break
    return {name for name in config if name in ruled_out}


def _condition_text(param: ParamSpec) -> str:
    return " and ".join(f"{parent} is one of {', '.join(repr(v) for v in values)}"
                        for parent, values in (param.when or {}).items())


def config_problems(config: Mapping[str, Any], space: Mapping[str, ParamSpec]
                    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One configuration against a space: its values as the run uses them, and its problems
    as (parameter, message) pairs."""
    problems: list[tuple[str, str]] = []
    normalised: dict[str, Any] = {}
    for name, value in config.items():
        param = space.get(name)
        if param is None:
            problems.append((name, "unknown parameter; parameters: " + ", ".join(space)))
            continue
        normalised[name], problem = value_problem(param, value)
        if problem is not None:
            problems.append((name, problem))
    known = {name: value for name, value in normalised.items()
             if not any(name == n for n, _ in problems)}
    for name in sorted(inactive_names(known, space)):
        problems.append((name, f"only used when {_condition_text(space[name])}, which this "
                               "configuration's values rule out; leave it out"))
    return normalised, problems


def check_warm_start(spec: ExperimentSpec, space: Mapping[str, ParamSpec] | None,
                     n_trials: int, add: Add) -> list[dict[str, Any]] | None:
    """The spec's warm start as the run evaluates it (None when it has none), reporting every
    problem through ``add``.

    Args:
        space: the run's resolved space (None when it could not be resolved: only the
            checks that do not need it run).
        n_trials: the run's trial budget, as it runs (quick mode's cap applied).
    """
    configs = spec.warm_start
    if not configs:
        return None
    if spec.sampler.name == "grid":
        add("warm_start", "the grid sampler evaluates every point of its grid in its own "
                          "order and takes no warm start; remove warm_start or use another "
                          "sampler (tpe, random, ...)")
        return None
    if len(configs) > MAX_WARM_START:
        add("warm_start", f"{len(configs)} configurations; at most {MAX_WARM_START}")
    elif len(configs) > n_trials:
        add("warm_start", f"{len(configs)} configurations but the budget is {n_trials} "
                          f"trial{'s' if n_trials != 1 else ''}; raise budget.n_trials or "
                          "give fewer")
    if space is None:
        return None
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, config in enumerate(configs[:MAX_WARM_START]):
        where = f"warm_start[{index}]"
        if not config:
            add(where, "an empty configuration; give at least one parameter's value")
            continue
        normalised, problems = config_problems(config, space)
        for name, message in problems:
            add(f"{where}.{name}", message)
        key = json.dumps(normalised, sort_keys=True, default=str)
        if key in seen:
            add(where, f"the same configuration as warm_start[{seen[key]}]")
        seen.setdefault(key, index)
        out.append(normalised)
    return out
