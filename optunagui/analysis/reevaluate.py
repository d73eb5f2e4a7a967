"""Re-evaluate runs' best configurations over several seeds, to get more paired scores.

A run's best trial has one score per fold: often too few pairs for a paired test to tell two
runs apart. Here each best configuration is cross-validated again for seeds 1..n. For a given
seed every run gets the same split (the first run's split method and folds, with that seed),
so fold k of seed s scores the same rows for every run: the pooled ``n_seeds x folds`` scores
stay paired. The seed also becomes the model's ``random_state``.

Runs can be re-evaluated together only when they use the same dataset (name, version and
options) for the same task and optimise the same primary metric; the others are refused,
each with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from optunagui.analysis.compare import PairedComparison, compare_many
from optunagui.metrics import METRICS
from optunagui.objective import evaluate, load_run_dataset, prepare_data
from optunagui.spec import ExperimentSpec
from optunagui.spec.space import resolve_space

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.datasets import LoadedDataset

__all__ = [
    "MAX_SEEDS",
    "MIN_SEEDS",
    "ConfigurationToCheck",
    "Reevaluation",
    "check_seed_count",
    "compare_reevaluated",
    "complete_params",
    "dataset_key",
    "dataset_name",
    "reevaluate",
    "split_compatible",
]

MIN_SEEDS = 2
MAX_SEEDS = 10


@dataclass(frozen=True)
class ConfigurationToCheck:
    """One run's best configuration: a label, the run's spec (as stored) and the parameters."""

    label: str
    spec: Mapping[str, Any]
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Reevaluation:
    """Pooled fold scores per run (seed 1's folds first, then seed 2's, ...).

    Attributes:
        scores: label -> ``n_seeds * folds_per_seed`` scores of the primary metric, paired
            across runs position by position.
        refused: label -> why that run was left out.
        seconds: time taken for all the evaluations.
    """

    metric: str
    direction: str
    n_seeds: int
    folds_per_seed: int
    scores: dict[str, list[float]]
    refused: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def n_pairs(self) -> int:
        return self.n_seeds * self.folds_per_seed


def check_seed_count(raw: Any) -> tuple[int | None, str | None]:
    """The number of seeds from a form value, or a message naming the allowed range."""
    allowed = f"Number of seeds: give a whole number from {MIN_SEEDS} to {MAX_SEEDS}"
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, f"{allowed}."
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None, f"{allowed} (got “{str(raw)[:20]}”)."
    if not value.is_integer() or not MIN_SEEDS <= value <= MAX_SEEDS:
        return None, f"{allowed} (got {raw})."
    return int(value), None


def _read_spec(raw: Mapping[str, Any]) -> ExperimentSpec | str:
    try:
        return ExperimentSpec.model_validate(dict(raw))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "spec"
        return f"its spec cannot be read ({where}: {first.get('msg', 'invalid')})"


def dataset_name(spec: ExperimentSpec) -> str:
    """The dataset's name as a person reads it: the built-in's name or the file's path."""
    return spec.data.builtin or spec.data.path or "?"


def dataset_key(spec: ExperimentSpec) -> tuple[Any, ...]:
    """Equal for two specs exactly when they read the same data (source, target, version,
    options)."""
    source = spec.data
    return (source.builtin, source.path, source.target, source.version,
            tuple(sorted(source.options.items())))


def _incompatibility(spec: ExperimentSpec, first: ExperimentSpec,
                     first_label: str) -> str | None:
    if dataset_key(spec) != dataset_key(first):
        mine, theirs = dataset_name(spec), dataset_name(first)
        if mine == theirs:
            return (f"it uses another version or options of dataset {mine} than {first_label}: "
                    "the folds would not hold the same rows")
        return (f"it uses dataset {mine}, not {theirs} like {first_label}: the folds would "
                "not hold the same rows")
    if spec.task and first.task and spec.task != first.task:
        return f"it is a {spec.task} run and {first_label} is a {first.task} run"
    if spec.metrics[0].name != first.metrics[0].name:
        return (f"it optimises {spec.metrics[0].name}, not {first.metrics[0].name} like "
                f"{first_label}")
    return None


def split_compatible(
    configurations: Sequence[ConfigurationToCheck],
) -> tuple[list[tuple[ConfigurationToCheck, ExperimentSpec]], dict[str, str]]:
    """Which configurations can be re-evaluated with the first readable one, and why not the rest.

    The task is the spec's (a spec without one takes the dataset's, checked after loading).
    """
    accepted: list[tuple[ConfigurationToCheck, ExperimentSpec]] = []
    refused: dict[str, str] = {}
    for configuration in configurations:
        spec = _read_spec(configuration.spec)
        if isinstance(spec, str):
            refused[configuration.label] = spec
            continue
        if not spec.metrics:
            refused[configuration.label] = "its spec names no metric"
            continue
        if not configuration.params:
            refused[configuration.label] = "it has no complete trial to re-evaluate"
            continue
        if accepted:
            first_config, first = accepted[0]
            problem = _incompatibility(spec, first, first_config.label)
            if problem is not None:
                refused[configuration.label] = problem
                continue
        accepted.append((configuration, spec))
    return accepted, refused


def complete_params(spec: ExperimentSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """The trial's parameters with the space's types, plus fixed values the trial left out."""
    space = resolve_space(spec)
    found = dict(params)
    for name, param in space.items():
        if name in found and param.type == "int" and found[name] is not None:
            found[name] = int(round(float(found[name])))
        if name not in found and param.type == "fixed":
            conditions = param.when or {}
            if all(found.get(parent) in values for parent, values in conditions.items()):
                found[name] = param.value
    return found


def _seeded(spec: ExperimentSpec, common: ExperimentSpec, seed: int) -> ExperimentSpec:
    """The run's spec on the shared split (method, folds, test size, group) with ``seed``."""
    split = common.split.model_copy(update={"seed": seed})
    return spec.model_copy(update={"split": split, "quick": common.quick,
                                   "task": spec.task or common.task})


def reevaluate(
    configurations: Sequence[ConfigurationToCheck],
    n_seeds: int,
    *,
    settings: Settings | None = None,
    dataset: LoadedDataset | None = None,
) -> Reevaluation:
    """Cross-validate each compatible configuration for seeds 1..n_seeds; pool the fold scores.

    Args:
        settings: resolves file datasets against the data directory.
        dataset: the dataset already loaded (else loaded from the first compatible spec).

    Raises:
        ValueError: n_seeds outside MIN_SEEDS..MAX_SEEDS.
    """
    if not MIN_SEEDS <= n_seeds <= MAX_SEEDS:
        raise ValueError(f"n_seeds: give {MIN_SEEDS} to {MAX_SEEDS}, got {n_seeds}")
    started = time.perf_counter()
    accepted, refused = split_compatible(configurations)
    if not accepted:
        return Reevaluation("score", "maximize", n_seeds, 0, {}, refused,
                            time.perf_counter() - started)
    first_config, first = accepted[0]
    loaded = dataset if dataset is not None else load_run_dataset(first, settings)
    first_task = first.task or loaded.task
    common = first.model_copy(update={"task": first_task})
    usable = []
    for configuration, spec in accepted:
        task = spec.task or loaded.task
        if task != first_task:
            refused[configuration.label] = (f"it is a {task} run and {first_config.label} is a "
                                            f"{first_task} run")
            continue
        usable.append((configuration, spec))
    metric = common.metrics[0].name
    known = METRICS.get(metric)
    direction = common.metrics[0].direction or (known.direction if known else "maximize")
    scores: dict[str, list[float]] = {configuration.label: [] for configuration, _ in usable}
    folds_per_seed = 0
    for seed in range(1, n_seeds + 1):
        for configuration, spec in usable:
            if configuration.label in refused:
                continue
            seeded = _seeded(spec, common, seed)
            try:
                data = prepare_data(seeded, loaded)
                result = evaluate(seeded, complete_params(seeded, configuration.params), data)
            except Exception as error:  # a broken configuration must not sink the others
                refused[configuration.label] = f"its evaluation failed with seed {seed}: {error}"
                scores.pop(configuration.label, None)
                continue
            scores[configuration.label].extend(float(s) for s in result.fold_scores[metric])
            folds_per_seed = len(data.folds)
    return Reevaluation(metric, direction, n_seeds, folds_per_seed, scores, refused,
                        time.perf_counter() - started)


def compare_reevaluated(result: Reevaluation, *,
                        baseline: str | None = None) -> list[PairedComparison]:
    """Paired tests on the pooled scores: each run against ``baseline`` when it is among them,
    else all pairs."""
    if len(result.scores) < 2:
        return []
    chosen = baseline if baseline in result.scores else None
    return compare_many(result.scores, baseline=chosen, metric=result.metric,
                        direction=result.direction)
