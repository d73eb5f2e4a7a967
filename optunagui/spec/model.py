"""The run spec: the one description of a run, stored whole with it.

The models here check shape and types only; `optunagui.spec.validation.validate_spec` adds the
checks that need the model registry, the metrics, the dataset and the preset ranges.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AttachedSpec",
    "BudgetSpec",
    "DatasetSpec",
    "ExperimentSpec",
    "FeatureSpec",
    "MetricSpec",
    "MlflowSpec",
    "ObjectiveSpec",
    "ParamSpec",
    "PrunerSpec",
    "QUICK_GRACE_PERIOD",
    "QUICK_MAX_TRIALS",
    "QUICK_MIN_SAMPLES",
    "ResourcesSpec",
    "SamplerSpec",
    "SplitSpec",
    "TRANSFORMS",
    "TrackingSpec",
    "WandbSpec",
    "param_problems",
]

TRANSFORMS = (
    "standardize",
    "minmax",
    "log1p",
    "one_hot",
    "ordinal",
    "impute_mean",
    "impute_median",
    "impute_most_frequent",
    "passthrough",
)
Task = Literal["classification", "regression"]

# Quick mode: a small first look. `validate_spec` caps the budget at QUICK_MAX_TRIALS and,
# for an iterative model without a pruner, stops a trial below the median of the others from
# step QUICK_GRACE_PERIOD on, once QUICK_MIN_SAMPLES trials reported that step (about half of
# the trials then finish: enough for importance and advice).
QUICK_MAX_TRIALS = 20
QUICK_GRACE_PERIOD = 3
QUICK_MIN_SAMPLES = 5
Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def param_problems(param: ParamSpec) -> list[tuple[str, str]]:
    """What is wrong with one parameter, as (field, message) pairs."""
    problems: list[tuple[str, str]] = []
    if param.type in ("float", "int"):
        if param.low is None or param.high is None:
            field = "low" if param.low is None else "high"
            problems.append((field, f"a {param.type} parameter needs both low and high"))
            return problems
        if param.low > param.high:
            problems.append(("low", f"low ({param.low}) is greater than high ({param.high})"))
        if param.log and param.low <= 0:
            problems.append(("low", f"a log range needs low > 0, got {param.low}"))
        if param.log and param.step is not None:
            problems.append(("step", "step cannot be combined with log: true"))
        if param.step is not None and param.step <= 0:
            problems.append(("step", f"step must be positive, got {param.step}"))
        if param.type == "int":
            for name in ("low", "high", "step"):
                value = getattr(param, name)
                if value is not None and float(value) != int(value):
                    problems.append((name, f"must be a whole number for an int, got {value}"))
        if param.choices is not None:
            problems.append(("choices", "choices belong to categorical parameters"))
    elif param.type == "categorical":
        if not param.choices:
            problems.append(("choices", "a categorical parameter needs a non-empty list"))
        elif len({repr(c) for c in param.choices}) != len(param.choices):
            problems.append(("choices", "choices contain duplicates"))
    elif param.type == "fixed" and "value" not in param.model_fields_set:
        problems.append(("value", "a fixed parameter needs a value"))
    return problems


class ParamSpec(_Strict):
    """One tuned parameter: a range, a list of choices, or a fixed value."""

    type: Literal["float", "int", "categorical", "fixed"]
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: float | int | None = None
    choices: list[Scalar | None] | None = None
    value: Scalar | None = None
    when: dict[str, list[Scalar | None]] | None = None

    @model_validator(mode="after")
    def _check_range(self) -> ParamSpec:
        problems = param_problems(self)
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        if self.type == "int":
            self.low, self.high = int(self.low), int(self.high)  # type: ignore[arg-type]
            if self.step is not None:
                self.step = int(self.step)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The parameter as written in a spec: only the fields that say something."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        data["type"] = self.type
        if self.type == "fixed":
            data["value"] = self.value
        return data

    def contains(self, value: Any) -> bool:
        """Whether a value lies in this parameter's range or choices."""
        if self.type == "fixed":
            return value == self.value
        if self.type == "categorical":
            return value in (self.choices or [])
        return isinstance(value, int | float) and self.low <= value <= self.high  # type: ignore[operator]


class DatasetSpec(_Strict):
    builtin: str | None = None
    path: str | None = None
    target: str | None = None
    version: str | None = Field(default=None, description="sha256 of a registered dataset version")
    options: dict[str, Scalar] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> DatasetSpec:
        if (self.builtin is None) == (self.path is None):
            raise ValueError("builtin: give one of builtin (a bundled set) or path (a file)")
        if self.path is not None and not self.target:
            raise ValueError("target: a dataset file needs target, the column to predict")
        return self


class FeatureSpec(_Strict):
    exclude: list[str] = Field(default_factory=list)
    transforms: dict[str, str] = Field(default_factory=dict)
    # Filled by validation when it reads the data (a value given in a spec is replaced): each
    # feature column's transform as the run applies it, and the rows left out for a missing
    # target.
    applied: dict[str, str] = Field(default_factory=dict)
    rows_without_target: int = Field(default=0, ge=0)


class SplitSpec(_Strict):
    method: Literal["holdout", "kfold", "stratified_kfold", "time_series", "group_kfold"] = (
        "kfold"
    )
    folds: int = Field(default=5, ge=2, le=50)
    test_size: float = Field(default=0.2, gt=0.0, lt=0.9)
    seed: int = 0
    group: str | None = None
    shuffle: bool = True


class MetricSpec(_Strict):
    name: str
    direction: Literal["maximize", "minimize"] | None = None


class SamplerSpec(_Strict):
    name: str = "tpe"
    seed: int | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class PrunerSpec(_Strict):
    name: Literal["asha", "median", "none"] = "none"
    grace_period: int = Field(default=1, ge=1)
    reduction_factor: int = Field(default=3, ge=2)
    min_samples_required: int = Field(default=3, ge=1)


class BudgetSpec(_Strict):
    n_trials: int = Field(default=50, ge=1, le=1_000_000)
    max_concurrent: int = Field(default=1, ge=1, le=1024)
    timeout_s: float | None = Field(default=None, gt=0)


class ResourcesSpec(_Strict):
    cpu: int | float = Field(default=1, gt=0)
    gpu: float = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _whole_cpus(self) -> ResourcesSpec:
        if float(self.cpu) != int(self.cpu):
            raise ValueError(f"cpu: must be a whole number of CPUs per trial, got {self.cpu}")
        if self.gpu > 1 and float(self.gpu) != int(self.gpu):
            raise ValueError(f"gpu: a GPU share above 1 must be a whole number, got {self.gpu}")
        self.cpu = int(self.cpu)
        return self


class ObjectiveSpec(_Strict):
    """A user's own Optuna objective: ``module:function``, run in Ray workers only.

    `code` is the content hash of the working directory as packaged at launch; a spec that
    has it runs exactly that code version (replay, clone), wherever `working_dir` is.
    """

    function: str = Field(min_length=1, max_length=500)
    setup: str | None = Field(default=None, max_length=500)
    working_dir: str | None = Field(default=None, max_length=4096)
    code: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class AttachedSpec(_Strict):
    """An Optuna study run by the user's own code, mirrored into the product (`optunagui attach`).

    `storage` is the storage as shown to readers (a password is never kept here); the follower
    reads the study through the URL it keeps apart (``optunagui.store.attached``).
    """

    study: str = Field(min_length=1, max_length=512)
    storage: str = Field(min_length=1, max_length=4096)


class MlflowSpec(_Strict):
    tracking_uri: str | None = Field(default=None, max_length=4096)
    experiment_name: str | None = Field(default=None, max_length=500)
    register_model: str | None = Field(default=None, max_length=500)


class WandbSpec(_Strict):
    project: str | None = Field(default=None, max_length=128)
    entity: str | None = Field(default=None, max_length=128)
    mode: Literal["online", "offline", "disabled"] | None = None


class TrackingSpec(_Strict):
    """Trackers the run is logged to as a parent run with a child run per trial."""

    mlflow: MlflowSpec | None = None
    wandb: WandbSpec | None = None


class ExperimentSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    dataset: DatasetSpec | None = None
    task: Task | None = None
    features: FeatureSpec = Field(default_factory=FeatureSpec)
    split: SplitSpec = Field(default_factory=SplitSpec)
    model: str | None = None
    objective: ObjectiveSpec | None = None
    attached: AttachedSpec | None = None
    preset: str = "default"
    space: dict[str, ParamSpec] = Field(default_factory=dict)
    metrics: list[MetricSpec] = Field(default_factory=list)
    sampler: SamplerSpec = Field(default_factory=SamplerSpec)
    pruner: PrunerSpec = Field(default_factory=PrunerSpec)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    resources: ResourcesSpec = Field(default_factory=ResourcesSpec)
    max_failures: int = Field(default=0, ge=0, le=100)
    quick: bool = False
    tracking: TrackingSpec | None = None
    # Configurations the run evaluates first, in this order (a warm start), each a mapping of
    # parameter names to values; parameters a configuration leaves out are chosen by the
    # sampler. Checked against the resolved space by `optunagui.spec.warm_start`.
    warm_start: list[dict[str, Scalar | None]] | None = None

    @model_validator(mode="after")
    def _model_or_objective(self) -> ExperimentSpec:
        if self.attached is not None:
            if self.model is not None or self.objective is not None:
                raise ValueError("attached: a run of an attached study has neither a built-in "
                                 "model nor an objective of its own")
            return self
        if self.objective is not None:
            if self.model is not None:
                raise ValueError("model: a run tunes either a built-in model or your objective "
                                 "(objective.function), not both; remove one")
            return self
        if self.model is None:
            raise ValueError("model: name a built-in model, or objective.function for your "
                             "own code ('train.py:objective')")
        if self.dataset is None:
            raise ValueError("dataset: a built-in model needs a dataset (builtin or path)")
        return self

    @property
    def is_code_run(self) -> bool:
        return self.objective is not None

    @property
    def is_attached(self) -> bool:
        """A study run by the user's own code elsewhere, mirrored here (no driver of ours)."""
        return self.attached is not None

    @property
    def kind(self) -> str:
        """"builtin", "code" or "attached"."""
        if self.attached is not None:
            return "attached"
        return "code" if self.objective is not None else "builtin"

    @property
    def model_name(self) -> str:
        """The built-in model; raises for a code run, which has none."""
        if self.model is None:
            raise ValueError("a run of your own code or of an attached study has no built-in "
                             "model")
        return self.model

    @property
    def data(self) -> DatasetSpec:
        """The dataset; raises for a code run without one."""
        if self.dataset is None:
            raise ValueError("this run has no dataset")
        return self.dataset

    @property
    def primary_metric(self) -> MetricSpec:
        return self.metrics[0]

    @property
    def directions(self) -> list[str]:
        return [m.direction or "maximize" for m in self.metrics]

    @property
    def is_multi_objective(self) -> bool:
        return len(self.metrics) > 1

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-able data; `validate_spec(spec.to_dict())` gives it back."""
        data = self.model_dump(mode="json", exclude_none=True)
        data["space"] = {name: param.to_dict() for name, param in self.space.items()}
        return data
