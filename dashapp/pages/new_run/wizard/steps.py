"""The wizard's steps, where each spec problem is shown, and checking the form step by step.

A problem from ``validate_spec`` carries a path ("space.num_leaves.low", "metrics[0].name",
"split.group", "features.transforms.age"); ``locate`` turns it into the step and the wizard
field it concerns, so the message is shown next to that field. Fields of one model (its
preset, its ranges) carry the model's name: ``preset.lightgbm``, ``space.lightgbm.num_leaves.low``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dashapp.pages.new_run.wizard.data import hide_path
from dashapp.pages.new_run.wizard.form import DatasetRef, FieldProblem, form_to_raw_specs
from optunagui.datasets import DatasetError
from optunagui.spec.validation import Problem, SpecError, validate_spec

if TYPE_CHECKING:
    from optunagui.datasets import LoadedDataset
    from optunagui.spec import ExperimentSpec

__all__ = [
    "STEPS",
    "Check",
    "FieldMessage",
    "check_form",
    "field_step",
    "locate",
]

STEPS = ("Data", "Features", "Model", "Search space", "Split and metric", "Budget", "Review")
LAST_STEP = len(STEPS)

# Plain form fields and their step.
FIELD_STEPS: dict[str, int] = {
    "dataset": 1, "target": 1, "task": 1,
    "features": 2,
    "models": 3,
    "split_method": 5, "folds": 5, "test_size": 5, "split_seed": 5, "group": 5, "shuffle": 5,
    "metrics": 5,
    "n_trials": 6, "timeout_s": 6, "max_concurrent": 6, "sampler": 6, "sampler_seed": 6,
    "pruner": 6, "grace_period": 6, "reduction_factor": 6, "min_samples_required": 6,
    "cpu": 6, "gpu": 6, "quick": 6, "max_failures": 6,
    "mlflow_uri": 6, "mlflow_experiment": 6, "wandb_project": 6, "wandb_mode": 6,
    "name": 7, "general": 7,
}
PREFIX_STEPS = {"features.": 2, "preset.": 3, "space.": 4}

_SPEC_FIELDS = {
    "name": "name",
    "task": "task",
    "dataset": "dataset",
    "dataset.builtin": "dataset",
    "dataset.path": "dataset",
    "dataset.version": "dataset",
    "dataset.options": "dataset",
    "dataset.target": "target",
    "features": "features",
    "features.exclude": "features",
    "split": "split_method",
    "split.method": "split_method",
    "split.folds": "folds",
    "split.test_size": "test_size",
    "split.seed": "split_seed",
    "split.group": "group",
    "split.shuffle": "shuffle",
    "metrics": "metrics",
    "sampler": "sampler",
    "sampler.name": "sampler",
    "sampler.seed": "sampler_seed",
    "sampler.options": "sampler",
    "pruner": "pruner",
    "pruner.name": "pruner",
    "pruner.grace_period": "grace_period",
    "pruner.reduction_factor": "reduction_factor",
    "pruner.min_samples_required": "min_samples_required",
    "budget": "n_trials",
    "budget.n_trials": "n_trials",
    "budget.max_concurrent": "max_concurrent",
    "budget.timeout_s": "timeout_s",
    "resources": "cpu",
    "resources.cpu": "cpu",
    "resources.gpu": "gpu",
    "max_failures": "max_failures",
    "quick": "quick",
    "tracking": "mlflow_uri",
    "tracking.mlflow": "mlflow_uri",
    "tracking.mlflow.tracking_uri": "mlflow_uri",
    "tracking.mlflow.experiment_name": "mlflow_experiment",
    "tracking.wandb": "wandb_mode",
    "tracking.wandb.project": "wandb_project",
    "tracking.wandb.mode": "wandb_mode",
}
_EXCLUDE_ITEM = re.compile(r"features\.exclude\[\d+\]")
_METRIC_ITEM = re.compile(r"metrics\[\d+\](\.\w+)?")


def field_step(name: str) -> int:
    """The step (1-7) that shows field ``name``."""
    if name in FIELD_STEPS:
        return FIELD_STEPS[name]
    for prefix, step in PREFIX_STEPS.items():
        if name.startswith(prefix):
            return step
    return LAST_STEP


def locate(path: str, model: str, exclude: list[str] | None = None) -> str:
    """The wizard field of a spec problem found while checking ``model``'s spec.

    Args:
        path: the problem's path.
        model: the model whose spec was checked (fields of one model carry its name).
        exclude: the spec's excluded columns, to name the column of ``features.exclude[i]``.
    """
    if path in _SPEC_FIELDS:
        return _SPEC_FIELDS[path]
    if path in ("model", "preset"):
        return f"preset.{model}" if path == "preset" else "models"
    if path.startswith("features.transforms."):
        return "features." + path.removeprefix("features.transforms.")
    if _EXCLUDE_ITEM.fullmatch(path):
        index = int(path[path.index("[") + 1 : -1])
        if exclude is not None and index < len(exclude):
            return f"features.{exclude[index]}"
        return "features"
    if _METRIC_ITEM.fullmatch(path):
        return "metrics"
    if path == "space":
        return f"space.{model}"
    for prefix in ("space.", "preset."):
        if path.startswith(prefix):
            rest = path.removeprefix(prefix)
            return f"space.{model}.{rest}"
    head = path.split(".", 1)[0].split("[", 1)[0]
    if head in _SPEC_FIELDS:
        return _SPEC_FIELDS[head]
    return "general"


@dataclass(frozen=True)
class FieldMessage:
    field: str
    message: str

    @property
    def step(self) -> int:
        return field_step(self.field)


@dataclass
class Check:
    """The form checked up to a step.

    Attributes:
        messages: every problem found, by field (also those of later steps).
        specs: the validated spec per model, when the whole form is valid.
    """

    messages: list[FieldMessage] = field(default_factory=list)
    specs: dict[str, ExperimentSpec] = field(default_factory=dict)

    def up_to(self, step: int) -> list[FieldMessage]:
        return [m for m in self.messages if m.step <= step]

    def first_step_with_problems(self, step: int = LAST_STEP) -> int | None:
        steps = [m.step for m in self.up_to(step)]
        return min(steps) if steps else None

    def by_field(self, step: int = LAST_STEP) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for message in self.up_to(step):
            texts = found.setdefault(message.field, [])
            if message.message not in texts:
                texts.append(message.message)
        return found


def check_form(
    form: Mapping[str, Any],
    dataset_ref: DatasetRef | None,
    load_dataset: Callable[[dict[str, Any]], LoadedDataset],
) -> Check:
    """Check the whole form: the wizard's own reading of it, then ``validate_spec`` per model.

    Args:
        form: the wizard's values.
        dataset_ref: the resolved data source (None: none chosen, or an upload not allowed).
        load_dataset: loads the spec's ``dataset`` mapping (cached by the caller); raises
            ``DatasetError`` when the data cannot be used.
    """
    result = Check()
    raw = form_to_raw_specs(form, dataset_ref)
    result.messages.extend(FieldMessage(p.field, p.message) for p in raw.problems)
    dataset = None
    if dataset_ref is not None:
        try:
            dataset = load_dataset(dataset_ref.spec)
        except DatasetError as error:
            where = "target" if "target column" in str(error) else "dataset"
            result.messages.append(FieldMessage(where, str(error)))
        except (KeyError, TypeError, ValueError) as error:
            result.messages.append(FieldMessage("dataset", str(error).strip("'\"")))
    specs: dict[str, ExperimentSpec] = {}
    for model, spec in raw.specs.items():
        if dataset is None:
            continue
        exclude = list(spec["features"]["exclude"])
        try:
            specs[model] = validate_spec(spec, dataset=dataset)
        except SpecError as error:
            for problem in error.problems:
                result.messages.append(_message(problem, model, exclude))
    if not result.messages:
        result.specs = specs
    result.messages = [FieldMessage(m.field, hide_path(m.message, dataset_ref))
                       for m in result.messages]
    return result


def _message(problem: Problem, model: str, exclude: list[str]) -> FieldMessage:
    where = locate(problem.path, model, exclude)
    text = problem.message
    if where in ("models",) and problem.path == "model":
        text = f"{model}: {text}" if not text.startswith(model) else text
    return FieldMessage(where, text)


def problem_as_field(problem: FieldProblem) -> FieldMessage:
    return FieldMessage(problem.field, problem.message)
