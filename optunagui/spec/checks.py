"""The checks of a run spec that need the model registry, the metrics or the data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from optunagui.datasets import task_problem
from optunagui.features import NUMERIC_ONLY_TRANSFORMS, applied_transforms, is_numeric
from optunagui.metrics import DEFAULT_METRIC, METRICS
from optunagui.models import get_model, list_models
from optunagui.spec.model import (
    QUICK_GRACE_PERIOD,
    QUICK_MAX_TRIALS,
    QUICK_MIN_SAMPLES,
    TRANSFORMS,
    MetricSpec,
    ParamSpec,
    PrunerSpec,
)
from optunagui.spec.space import ordered_names, preset_space

if TYPE_CHECKING:
    from optunagui.datasets import LoadedDataset
    from optunagui.models import ModelDef
    from optunagui.spec.model import ExperimentSpec

Add = Callable[[str, str], None]

SAMPLERS = ("tpe", "random", "cmaes", "qmc", "gp", "nsga2", "grid")
SINGLE_OBJECTIVE_SAMPLERS = ("cmaes",)
MAX_GRID_SIZE = 100_000


def _valid(names: object) -> str:
    return ", ".join(str(n) for n in names)  # type: ignore[attr-defined]


def check_model(spec: ExperimentSpec, add: Add) -> ModelDef | None:
    try:
        model = get_model(spec.model_name)
    except KeyError:
        add("model", f"unknown model {spec.model!r}; valid: "
                     + _valid(m.name for m in list_models()))
        return None
    if spec.preset not in model.presets:
        add("preset", f"unknown preset {spec.preset!r} for {model.name}; valid: "
                      + _valid(model.presets))
    return model


def check_dataset_columns(spec: ExperimentSpec, dataset: LoadedDataset, add: Add) -> None:
    columns = [c for c in dataset.frame.columns if c != dataset.target]
    group = spec.split.group
    if spec.split.method == "group_kfold":
        if not group:
            add("split.group", "group_kfold needs group: the column whose values stay together")
        elif group not in columns:
            add("split.group", f"column {group!r} is not in the dataset; columns: "
                               + _valid(columns))
    elif group:
        add("split.group", f"group is only used by group_kfold, not {spec.split.method}")


def check_task_fits_target(spec: ExperimentSpec, dataset: LoadedDataset, add: Add) -> None:
    """A task set in the spec that the target cannot be learnt as (an inferred one always
    fits)."""
    if spec.task is None or dataset.target not in dataset.frame.columns:
        return
    problem = task_problem(dataset.frame[dataset.target], spec.task)
    if problem is not None:
        add("task", problem)


def preprocessing_updates(spec: ExperimentSpec, dataset: LoadedDataset,
                          model: ModelDef | None) -> dict[str, object]:
    """The features section with what the run applies to the data: each feature column's
    transform (its default made explicit) and the rows dropped for a missing target."""
    frame = dataset.frame
    dropped = set(spec.features.exclude) | {dataset.target}
    columns = [c for c in frame.columns if c not in dropped]
    applied = applied_transforms(frame, columns, spec.features.transforms,
                                 needs_scaling=model is not None and model.needs_scaling)
    missing = int(frame[dataset.target].isna().sum()) if dataset.target in frame else 0
    return {"features": spec.features.model_copy(
        update={"applied": applied, "rows_without_target": missing})}


def check_split_for_task(spec: ExperimentSpec, task: str | None, add: Add) -> None:
    if spec.split.method == "stratified_kfold" and task == "regression":
        add("split.method", "stratified_kfold keeps each class's share in every fold, so it is "
                            "for classification; for regression use kfold (or holdout, "
                            "time_series, group_kfold)")


def check_features(
    spec: ExperimentSpec, dataset: LoadedDataset, model: ModelDef | None, add: Add
) -> None:
    frame = dataset.frame
    columns = [c for c in frame.columns if c != dataset.target]
    for i, name in enumerate(spec.features.exclude):
        if name == dataset.target:
            add(f"features.exclude[{i}]", f"{name!r} is the target; it is never a feature")
        elif name not in columns:
            add(f"features.exclude[{i}]", f"column {name!r} is not in the dataset; columns: "
                                          + _valid(columns))
    for name, transform in spec.features.transforms.items():
        path = f"features.transforms.{name}"
        if transform not in TRANSFORMS:
            add(path, f"unknown transform {transform!r}; valid: {_valid(TRANSFORMS)}")
        elif name == dataset.target:
            add(path, f"{name!r} is the target; transforms apply to features only")
        elif name not in columns:
            add(path, f"column {name!r} is not in the dataset; columns: {_valid(columns)}")
        elif transform in NUMERIC_ONLY_TRANSFORMS and not is_numeric(frame[name]):
            add(path, f"{transform} needs a numeric column and {name!r} is not; "
                      "use one_hot, ordinal or impute_most_frequent")
    kept = [c for c in columns if c not in spec.features.exclude and c != spec.split.group]
    if not kept:
        add("features.exclude", "every column is excluded; keep at least one feature")


def _has_probability(model: ModelDef, task: str) -> bool:
    try:
        return hasattr(model.build({}, task), "predict_proba")
    except Exception:  # noqa: BLE001 - a model that cannot build says so in check_space
        return True


def check_metrics(
    spec: ExperimentSpec, task: str, model: ModelDef | None, add: Add
) -> list[MetricSpec]:
    if not spec.metrics:
        name = DEFAULT_METRIC[task]
        return [MetricSpec(name=name, direction=METRICS[name].direction)]  # type: ignore[arg-type]
    normalised: list[MetricSpec] = []
    seen: set[str] = set()
    for i, metric in enumerate(spec.metrics):
        path = f"metrics[{i}].name"
        definition = METRICS.get(metric.name)
        valid_for_task = [m.name for m in METRICS.values() if m.task == task]
        if definition is None:
            add(path, f"unknown metric {metric.name!r}; valid for {task}: {_valid(valid_for_task)}")
            continue
        if definition.task != task:
            add(path, f"{metric.name} is a {definition.task} metric but the task is {task}; "
                      f"valid: {_valid(valid_for_task)}")
            continue
        if metric.name in seen:
            add(path, f"{metric.name} is listed twice")
        seen.add(metric.name)
        if metric.direction is not None and metric.direction != definition.direction:
            add(f"metrics[{i}].direction",
                f"{metric.name} is better when larger or smaller by its nature: "
                f"use {definition.direction}")
        if definition.needs_probability and model is not None and not _has_probability(model, task):
            add(path, f"{model.name} gives no class probabilities, so {metric.name} cannot be "
                      "computed; use roc_auc, accuracy or another metric")
        normalised.append(metric.model_copy(update={"direction": definition.direction}))
    return normalised


def check_space(
    spec: ExperimentSpec, model: ModelDef, task: str, add: Add
) -> dict[str, ParamSpec] | None:
    if spec.preset not in model.presets:
        return None
    try:
        space = preset_space(model.name, spec.preset)
    except ValidationError as error:
        add("preset", f"preset {spec.preset} of {model.name} is invalid: {error}")
        return None
    space.update(spec.space)
    ok = True
    for name, param in space.items():
        where = "space" if name in spec.space else "preset"
        for parent, allowed in (param.when or {}).items():
            if parent not in space:
                add(f"{where}.{name}.when", f"depends on {parent!r}, which is not a parameter "
                                            f"of this space; parameters: {_valid(space)}")
                ok = False
                continue
            parent_param = space[parent]
            outside = [v for v in allowed if not parent_param.contains(v)]
            if outside:
                add(f"{where}.{name}.when", f"{parent} can never be {_valid(outside)}; "
                                            "check the values against its range or choices")
                ok = False
    if not ok:
        return None
    try:
        ordered_names(space)
    except ValueError as error:
        add("space", str(error))
        return None
    sample = {name: _representative(param) for name, param in space.items()}
    try:
        model.build(sample, task)
    except (TypeError, ValueError) as error:
        add("space", f"{model.name} does not accept these parameters: {error}")
    return space


def _representative(param: ParamSpec) -> object:
    if param.type == "fixed":
        return param.value
    if param.type == "categorical":
        return param.choices[0]  # type: ignore[index]
    if param.type == "int":
        return int(param.low)  # type: ignore[arg-type]
    return float(param.low)  # type: ignore[arg-type]


def _grid_size(space: dict[str, ParamSpec], add: Add) -> int:
    size = 1
    for name, param in space.items():
        if param.type == "categorical":
            size *= len(param.choices or [])
        elif param.type == "int":
            size *= (int(param.high) - int(param.low)) // int(param.step or 1) + 1  # type: ignore[arg-type]
        elif param.type == "float":
            if param.step is None:
                add(f"space.{name}.step", "the grid sampler needs a step for every float "
                                          "parameter (or make it categorical)")
                return 0
            size *= int((param.high - param.low) / param.step) + 1  # type: ignore[operator]
    return size


def check_sampler_and_pruner(
    spec: ExperimentSpec, space: dict[str, ParamSpec] | None, add: Add
) -> None:
    sampler = spec.sampler.name
    if sampler not in SAMPLERS:
        add("sampler.name", f"unknown sampler {sampler!r}; valid: {_valid(SAMPLERS)}")
    elif spec.is_multi_objective and sampler in SINGLE_OBJECTIVE_SAMPLERS:
        add("sampler.name", f"{sampler} optimises one metric only; with several metrics use "
                            "nsga2, tpe, gp or random")
    elif sampler == "grid" and space is not None:
        size = _grid_size(space, add)
        if size > MAX_GRID_SIZE:
            add("sampler.name", f"the grid has {size:,} points (more than {MAX_GRID_SIZE:,}); "
                                "use fewer choices or larger steps, or another sampler")
    if spec.is_multi_objective and spec.pruner.name != "none":
        add("pruner.name", "pruning compares one metric, so it cannot be used with several "
                           "metrics; set pruner to none")


def check_resources(spec: ExperimentSpec, model: ModelDef | None, add: Add) -> None:
    if spec.resources.gpu > 0 and model is not None and not model.gpu_capable:
        add("resources.gpu", f"{model.name} trains on the CPU only; set gpu to 0, or use a "
                             "GPU-capable model (xgboost, mlp)")


def quick_pruner(spec: ExperimentSpec, model: ModelDef | None) -> PrunerSpec:
    """The pruner a quick run uses.

    The rule: a pruner the spec sets stays; without one, an iterative model (boosting
    chunks, MLP epochs) with one metric gets the median rule from step QUICK_GRACE_PERIOD on,
    once QUICK_MIN_SAMPLES trials reported that step. Other models are not pruned: their
    steps are folds, and stopping a trial after one fold judges it on a fifth of the data
    (ASHA there ended all but one of fifteen ridge trials); several metrics leave no single
    score to compare.
    """
    pruner = spec.pruner
    iterative = model is not None and model.fit_steps is not None
    if pruner.name != "none" or spec.is_multi_objective or not iterative:
        return pruner
    return PrunerSpec(name="median", grace_period=QUICK_GRACE_PERIOD,
                      reduction_factor=pruner.reduction_factor,
                      min_samples_required=QUICK_MIN_SAMPLES)


def quick_updates(spec: ExperimentSpec, model: ModelDef | None) -> dict[str, object]:
    """What quick mode changes in a spec, so the stored spec states the effective budget:
    at most QUICK_MAX_TRIALS trials and the pruner of `quick_pruner`. Empty when not quick."""
    if not spec.quick:
        return {}
    n_trials = min(spec.budget.n_trials, QUICK_MAX_TRIALS)
    return {
        "budget": spec.budget.model_copy(update={"n_trials": n_trials}),
        "pruner": quick_pruner(spec, model),
    }
