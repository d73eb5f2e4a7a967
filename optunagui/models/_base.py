"""The model definition record and small helpers shared by the model families."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

TASKS = ("classification", "regression")

BuildFn = Callable[..., Any]
FitStepsFn = Callable[[Any, Any, Any], Iterator[int]]

#: How many chunks a boosting model's rounds are split into by ``fit_steps``.
N_CHUNKS = 10


@dataclass(frozen=True)
class ModelDef:
    """One model family: its tasks, its search-space presets and how to build it.

    Attributes:
        name: The name used in experiment specs (``"lightgbm"``, ``"svm"``, ...).
        label: Human-readable name.
        tasks: The tasks the family supports (subset of classification, regression).
        presets: Preset name -> space (parameter name -> ParamSpec-shaped plain dict).
            Always has ``"default"``.
        needs_scaling: Whether numeric features should be standardised by default.
        gpu_capable: Whether ``build(..., device="cuda")`` trains on a GPU.
        build: ``build(params, task, device="cpu", n_jobs=1, seed=0)`` -> a fresh, unfitted
            scikit-learn-compatible estimator.
        fit_steps: ``fit_steps(estimator, X, y)`` -> iterator of step numbers (1..N) for
            iterative families, training in chunks; ``None`` for the others.
    """

    name: str
    label: str
    tasks: frozenset[str]
    presets: Mapping[str, Mapping[str, dict]]
    needs_scaling: bool
    gpu_capable: bool
    build: BuildFn
    fit_steps: FitStepsFn | None = None

    def supports(self, task: str) -> bool:
        """Whether the family can be trained for ``task``."""
        return task in self.tasks


def freeze_presets(presets: dict[str, dict[str, dict]]) -> Mapping[str, Mapping[str, dict]]:
    """Read-only view of a family's presets (the param specs stay plain dicts)."""
    if "default" not in presets:
        raise ValueError("every model family needs a 'default' preset")
    frozen = {name: MappingProxyType(dict(space)) for name, space in presets.items()}
    return MappingProxyType(frozen)


def check_task(name: str, tasks: frozenset[str], task: str) -> None:
    """Raise ``ValueError`` when ``task`` is not one the family supports."""
    if task not in tasks:
        supported = ", ".join(sorted(tasks))
        raise ValueError(f"model {name!r} does not support task {task!r} (supports: {supported})")


def chunk_targets(total: int, n_chunks: int = N_CHUNKS) -> list[int]:
    """Cumulative round counts after each chunk: ``total`` split into ~``n_chunks`` parts.

    >>> chunk_targets(25)
    [2, 5, 8, 10, 12, 15, 18, 20, 22, 25]
    >>> chunk_targets(3)
    [1, 2, 3]
    """
    total = int(total)
    if total < 1:
        raise ValueError(f"the number of rounds must be at least 1, got {total}")
    n = min(n_chunks, total)
    return [round(total * i / n) for i in range(1, n + 1)]


# Param-spec constructors: they return plain dicts in the ParamSpec shape.


def float_param(
    low: float, high: float, *, log: bool = False, step: float | None = None,
    when: dict[str, list] | None = None,
) -> dict:
    spec: dict[str, Any] = {"type": "float", "low": low, "high": high, "log": log}
    if step is not None:
        spec["step"] = step
    if when is not None:
        spec["when"] = when
    return spec


def int_param(
    low: int, high: int, *, log: bool = False, step: int | None = None,
    when: dict[str, list] | None = None,
) -> dict:
    spec: dict[str, Any] = {"type": "int", "low": low, "high": high, "log": log}
    if step is not None:
        spec["step"] = step
    if when is not None:
        spec["when"] = when
    return spec


def categorical_param(choices: list, *, when: dict[str, list] | None = None) -> dict:
    spec: dict[str, Any] = {"type": "categorical", "choices": list(choices)}
    if when is not None:
        spec["when"] = when
    return spec


def fixed_param(value: Any, *, when: dict[str, list] | None = None) -> dict:
    spec: dict[str, Any] = {"type": "fixed", "value": value}
    if when is not None:
        spec["when"] = when
    return spec
