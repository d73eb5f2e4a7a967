"""Validating a run spec once, on the way in, with every problem a person can act on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from optunagui.datasets import DatasetError, load_builtin, load_file
from optunagui.models import list_models
from optunagui.spec.checks import (
    check_dataset_columns,
    check_features,
    check_metrics,
    check_model,
    check_resources,
    check_sampler_and_pruner,
    check_space,
    check_split_for_task,
    check_task_fits_target,
    preprocessing_updates,
    quick_updates,
)
from optunagui.spec.code_checks import check_objective, code_quick_updates
from optunagui.spec.model import QUICK_MAX_TRIALS, ExperimentSpec
from optunagui.spec.warm_start import check_warm_start

if TYPE_CHECKING:
    from optunagui.datasets import LoadedDataset

__all__ = ["Problem", "SpecError", "validate_spec"]


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SpecError(ValueError):
    """A spec with problems; `problems` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _path(loc: Iterable[Any]) -> str:
    parts = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else f".{item}")
    return "".join(parts).lstrip(".")


def _structural_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        base = _path(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "value_error":
            for part in message.split("; "):
                field, sep, text = part.partition(": ")
                if sep and field.isidentifier():
                    problems.append(Problem(f"{base}.{field}".lstrip("."), text))
                else:
                    problems.append(Problem(base, part))
        elif item["type"] == "extra_forbidden":
            problems.append(Problem(base, "is not a known field"))
        elif item["type"] == "literal_error":
            problems.append(Problem(base, f"{message} (got {item['input']!r})"))
        else:
            problems.append(Problem(base, message))
    return problems


REQUIRED_FIELDS = ("dataset", "model", "objective")


def _without_broken_fields(data: dict[str, Any], error: ValidationError) -> ExperimentSpec | None:
    """The spec minus the fields that failed, so the other fields can still be checked."""
    rest = dict(data)
    space = dict(rest["space"]) if isinstance(rest.get("space"), Mapping) else None
    for item in error.errors():
        loc = item["loc"]
        if not loc:
            return None
        if loc[0] == "space" and len(loc) > 1 and space is not None:
            space.pop(str(loc[1]), None)
            rest["space"] = space
        elif loc[0] in REQUIRED_FIELDS:
            return None
        else:
            rest.pop(str(loc[0]), None)
    rest.setdefault("name", "unnamed")
    try:
        return ExperimentSpec.model_validate(rest)
    except ValidationError:
        return None


def _load_dataset(spec: ExperimentSpec) -> LoadedDataset:
    if spec.data.builtin is not None:
        return load_builtin(spec.data.builtin, **spec.data.options)
    return load_file(spec.data.path, target=spec.data.target)  # type: ignore[arg-type]


def validate_spec(
    raw: Mapping[str, Any],
    *,
    base_dir: str | Path | None = None,
    dataset: LoadedDataset | None = None,
    check_data: bool = True,
) -> ExperimentSpec:
    """Check a spec and return it normalised.

    Normalised means: a relative dataset path made absolute (against `base_dir`), the task
    inferred from the data when omitted, metrics defaulted and their directions filled in,
    `space` holding the whole search space (the preset with the spec's entries on top),
    so the stored spec alone says what was searched, and, in quick mode, the budget and
    pruner quick mode runs with (`optunagui.spec.checks.quick_updates`).

    Raises:
        SpecError: listing every problem with its path, what is wrong and what is valid.
    """
    if not isinstance(raw, Mapping):
        raise SpecError([Problem("", "a spec is a mapping of fields (YAML or JSON object)")])
    data = dict(raw)
    dataset_raw = data.get("dataset")
    if base_dir is not None and isinstance(dataset_raw, Mapping) and dataset_raw.get("path"):
        path = Path(str(dataset_raw["path"])).expanduser()
        if not path.is_absolute():
            data["dataset"] = {**dataset_raw, "path": str((Path(base_dir) / path).resolve())}
    problems: list[Problem] = []
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        problems.extend(_structural_problems(error))
        partial = _without_broken_fields(data, error)
        if partial is None:
            raise SpecError(problems) from None
        spec = partial

    add = lambda path, message: problems.append(Problem(path, message))  # noqa: E731

    if spec.attached is not None:
        add("attached", "a spec cannot attach a study; attach one with `optunagui attach "
                        "STORAGE_URL --study NAME --experiment NAME` or on the experiment page")
        raise SpecError(problems)
    _check_tracking(spec, add)
    if spec.objective is not None:
        return _validate_code_run(spec, problems, add, base_dir=base_dir, dataset=dataset,
                                  check_data=check_data)
    model = check_model(spec, add)
    if check_data and dataset is None:
        try:
            dataset = _load_dataset(spec)
        except DatasetError as error:
            where = "dataset.builtin" if spec.data.builtin else "dataset.path"
            if "target column" in str(error) and spec.data.path:
                where = "dataset.target"
            add(where, str(error))
        except (KeyError, TypeError) as error:
            add("dataset.options" if spec.data.options else "dataset.builtin",
                str(error).strip("'\""))
    task: str | None = spec.task
    if task is None and dataset is not None:
        task = dataset.task
    if task is None:
        if not problems:
            add("task", "cannot be inferred without reading the data: "
                        "set task to classification or regression")
        raise SpecError(problems)
    if model is not None and task not in model.tasks:
        add("model", f"{spec.model} does not do {task}; models for {task}: "
                     + ", ".join(_models_for(task)))
    if dataset is not None:
        check_task_fits_target(spec, dataset, add)
        check_dataset_columns(spec, dataset, add)
        check_features(spec, dataset, model, add)
    check_split_for_task(spec, task, add)
    metrics = check_metrics(spec, task, model, add)
    space = check_space(spec, model, task, add) if model is not None else None
    check_sampler_and_pruner(spec, space, add)
    check_resources(spec, model, add)
    n_trials = min(spec.budget.n_trials, QUICK_MAX_TRIALS) if spec.quick else spec.budget.n_trials
    warm_start = check_warm_start(spec, space, n_trials, add)
    if problems:
        raise SpecError(problems)

    spec = spec.model_copy(update={"task": task, "metrics": metrics, "space": space,
                                   "warm_start": warm_start})
    if dataset is not None:
        spec = spec.model_copy(update=preprocessing_updates(spec, dataset, model))
    return spec.model_copy(update=quick_updates(spec, model))


def _validate_code_run(
    spec: ExperimentSpec,
    problems: list[Problem],
    add: Callable[[str, str], None],
    *,
    base_dir: str | Path | None,
    dataset: LoadedDataset | None,
    check_data: bool,
) -> ExperimentSpec:
    """A run of the user's own objective: the objective's files, its metrics and, when the
    spec names a dataset, the data and split the objective can ask for."""
    objective, _archive = check_objective(spec, base_dir, add, check_files=check_data)
    task: str | None = spec.task
    if spec.dataset is not None:
        if check_data and dataset is None:
            try:
                dataset = _load_dataset(spec)
            except (DatasetError, KeyError, TypeError) as error:
                add("dataset.builtin" if spec.data.builtin else "dataset.path",
                    str(error).strip("'\""))
        if dataset is not None:
            task = task or dataset.task
            check_task_fits_target(spec, dataset, add)
            check_dataset_columns(spec, dataset, add)
            check_features(spec, dataset, None, add)
    check_split_for_task(spec, task, add)
    check_resources(spec, None, add)
    if spec.warm_start:
        add("warm_start", "a run of your own code suggests its own parameters, so it takes no "
                          "warm start; remove warm_start")
    if problems:
        raise SpecError(problems)
    spec = spec.model_copy(update={"objective": objective, "task": task})
    return spec.model_copy(update=code_quick_updates(spec))


def _check_tracking(spec: ExperimentSpec, add: Callable[[str, str], None]) -> None:
    from optunagui.tracking.targets import check_tracking_uri

    mlflow = spec.tracking.mlflow if spec.tracking is not None else None
    if mlflow is not None and mlflow.tracking_uri:
        problem = check_tracking_uri(mlflow.tracking_uri)
        if problem:
            add("tracking.mlflow.tracking_uri", problem)


def _models_for(task: str) -> list[str]:
    return [m.name for m in list_models() if task in m.tasks]
