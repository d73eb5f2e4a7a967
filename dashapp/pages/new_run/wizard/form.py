"""The wizard's form: what the browser keeps between steps, and how it becomes run specs.

The form is plain JSON (it lives in the browser's local storage): one flat mapping of field
values, plus the rows of the features table and of the search-space table. ``form_to_raw_specs``
turns it into one raw spec per chosen model (what ``validate_spec`` checks);
``spec_to_form`` goes back from a stored run spec, for "Clone run" and "Re-run with one change".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashapp.pages.new_run.wizard.space_table import (
    SPACE_ATTRS,
    clean_param,
    format_choices,
    format_when,
    merge_space_rows,
    parse_space_row,
    space_rows,
)
from dashapp.pages.new_run.wizard.tracking import tracking_defaults, tracking_form, tracking_section
from optunagui.models import get_model, list_models
from optunagui.spec import ParamSpec
from optunagui.spec.space import preset_space

__all__ = [
    "AUTO_TASK",
    "SPACE_ATTRS",
    "DEFAULT_MODEL",
    "DatasetRef",
    "FieldProblem",
    "RawSpecs",
    "default_form",
    "form_to_raw_specs",
    "format_choices",
    "format_when",
    "merge_space_rows",
    "space_rows",
    "spec_to_form",
]

AUTO_TASK = "auto"
DEFAULT_MODEL = "random_forest"


@dataclass(frozen=True)
class FieldProblem:
    """A problem found before the spec is checked: the wizard field and what is wrong."""

    field: str
    message: str


@dataclass(frozen=True)
class DatasetRef:
    """Where the chosen data lives, resolved on the server (never a path from the browser).

    Attributes:
        spec: the spec's ``dataset`` mapping (builtin + options, or path + version).
        version_id: the DatasetVersion row of an uploaded file.
        shown_name: the uploaded file's own name, said in messages instead of its path.
    """

    spec: dict[str, Any]
    version_id: int | None = None
    shown_name: str | None = None


@dataclass
class RawSpecs:
    """One raw spec per model, and what could not be read from the form."""

    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)


def default_form() -> dict[str, Any]:
    """A fresh wizard: a builtin dataset, one model, a small budget."""
    return {
        "step": 1,
        "source": "builtin",
        "builtin": "iris",
        "options": {},
        "upload": None,
        "target": "target",
        "task": AUTO_TASK,
        "features": [],
        "models": [DEFAULT_MODEL],
        "presets": {m.name: "default" for m in list_models()},
        "space": [],
        "split_method": "kfold",
        "folds": 5,
        "test_size": 0.2,
        "split_seed": 0,
        "group": None,
        "shuffle": True,
        "metrics": [],
        "n_trials": 50,
        "timeout_s": None,
        "max_concurrent": 1,
        "sampler": "tpe",
        "sampler_seed": None,
        "pruner": "none",
        "grace_period": 1,
        "reduction_factor": 3,
        "min_samples_required": 3,
        "cpu": 1,
        "gpu": 0,
        "quick": False,
        "max_failures": 0,
        "name": "",
        "warm_start": {},  # model -> configurations to evaluate first (the suggestions' panel)
        "warm_start_use": False,
        "warm_start_count": 5,
        **tracking_defaults(),
    }


# --- the search-space table -> spec --------------------------------------------------------


def _space_for(model: str, preset: str, rows: Sequence[Mapping[str, Any]], out: RawSpecs) -> dict:
    """The spec's ``space`` for one model: the rows that differ from the preset."""
    try:
        base = preset_space(model, preset)
    except KeyError:
        base = {}
    space: dict[str, Any] = {}
    for row in rows:
        if row.get("model") != model or not isinstance(row.get("name"), str):
            continue
        name = row["name"]
        param, problems = parse_space_row(row)
        for attr, message in problems:
            out.problems.append(FieldProblem(f"space.{model}.{name}.{attr}", message))
        if problems:
            continue
        try:
            same = name in base and ParamSpec.model_validate(param) == base[name]
        except ValueError:
            same = False  # the spec check reports it, next to the row
        if not same:
            space[name] = param
    return space


# --- form -> specs -----------------------------------------------------------------------------


def _int_field(form: Mapping[str, Any], key: str, out: RawSpecs, *, optional: bool = False) -> Any:
    value = form.get(key)
    if value is None or value == "":
        if not optional:
            out.problems.append(FieldProblem(key, "enter a whole number"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or float(value) != int(value):
        out.problems.append(FieldProblem(key, f"must be a whole number, got {value!r}"))
        return None
    return int(value)


def _float_field(
    form: Mapping[str, Any], key: str, out: RawSpecs, *, optional: bool = False
) -> Any:
    value = form.get(key)
    if value is None or value == "":
        if not optional:
            out.problems.append(FieldProblem(key, "enter a number"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.problems.append(FieldProblem(key, f"must be a number, got {value!r}"))
        return None
    return value


def chosen_models(form: Mapping[str, Any]) -> list[str]:
    models = form.get("models") or []
    if isinstance(models, str):
        models = [models]
    seen: list[str] = []
    for name in models:
        if isinstance(name, str) and name not in seen:
            seen.append(name)
    return seen


def run_name(form: Mapping[str, Any], model: str, n_models: int) -> str:
    base = str(form.get("name") or "").strip()
    if not base:
        base = str(form.get("builtin") if form.get("source") == "builtin" else
                   (form.get("upload") or {}).get("name") or "run")
    return f"{base} / {model}" if n_models > 1 else base


def form_to_raw_specs(form: Mapping[str, Any], dataset: DatasetRef | None) -> RawSpecs:
    """One raw spec per chosen model (the same group when several), and the form's own problems.

    Args:
        form: the wizard's values.
        dataset: the resolved data source, or None when none is chosen yet.
    """
    out = RawSpecs()
    if dataset is None:
        out.problems.append(FieldProblem("dataset", "choose a built-in dataset or upload a file"))
    models = chosen_models(form)
    if not models:
        out.problems.append(FieldProblem("models", "choose at least one model"))
    features = [row for row in form.get("features") or [] if isinstance(row, Mapping)]
    exclude = [str(row["column"]) for row in features if not row.get("use")]
    transforms = {
        str(row["column"]): str(row["transform"])
        for row in features
        if row.get("use") and row.get("transform")
    }
    task = form.get("task")
    split = {
        "method": form.get("split_method") or "kfold",
        "folds": _int_field(form, "folds", out),
        "test_size": _float_field(form, "test_size", out),
        "seed": _int_field(form, "split_seed", out),
        "shuffle": bool(form.get("shuffle")),
    }
    if form.get("group"):
        split["group"] = form["group"]
    metrics = form.get("metrics") or []
    if isinstance(metrics, str):
        metrics = [metrics]
    sampler: dict[str, Any] = {"name": form.get("sampler") or "tpe"}
    sampler_seed = _int_field(form, "sampler_seed", out, optional=True)
    if sampler_seed is not None:
        sampler["seed"] = sampler_seed
    pruner = {
        "name": form.get("pruner") or "none",
        "grace_period": _int_field(form, "grace_period", out),
        "reduction_factor": _int_field(form, "reduction_factor", out),
        "min_samples_required": _int_field(form, "min_samples_required", out),
    }
    budget: dict[str, Any] = {
        "n_trials": _int_field(form, "n_trials", out),
        "max_concurrent": _int_field(form, "max_concurrent", out),
    }
    timeout = _float_field(form, "timeout_s", out, optional=True)
    if timeout is not None:
        budget["timeout_s"] = timeout
    resources = {"cpu": _float_field(form, "cpu", out), "gpu": _float_field(form, "gpu", out)}
    max_failures = _int_field(form, "max_failures", out)
    for section in (split, pruner, budget, resources):
        for key in [k for k, v in section.items() if v is None]:
            del section[key]  # already reported; the spec's default keeps the other checks going
    presets = form.get("presets") or {}
    for model in models:
        preset = presets.get(model) or "default"
        raw: dict[str, Any] = {
            "name": run_name(form, model, len(models)),
            "dataset": copy.deepcopy(dataset.spec) if dataset else {"builtin": ""},
            "features": {"exclude": exclude, "transforms": transforms},
            "split": dict(split),
            "model": model,
            "preset": preset,
            "space": _space_for(model, preset, form.get("space") or [], out),
            "metrics": [{"name": str(name)} for name in metrics],
            "sampler": dict(sampler),
            "pruner": dict(pruner),
            "budget": dict(budget),
            "resources": dict(resources),
            "quick": bool(form.get("quick")),
        }
        if task and task != AUTO_TASK:
            raw["task"] = task  # anything else than the two tasks is reported by the check
        if max_failures is not None:
            raw["max_failures"] = max_failures
        out.specs[model] = raw
    return _with_tracking(form, _with_warm_start(form, out))


def _with_warm_start(form: Mapping[str, Any], out: RawSpecs) -> RawSpecs:
    """Each model's warm start taken from the suggestions' panel, when its box is checked."""
    warm = form.get("warm_start")
    if form.get("warm_start_use") and isinstance(warm, Mapping):
        for model, raw in out.specs.items():
            if warm.get(model):
                raw["warm_start"] = copy.deepcopy(warm[model])
    return out


def _with_tracking(form: Mapping[str, Any], out: RawSpecs) -> RawSpecs:
    """The trackers asked for, on every spec (one run per model, all logged alike)."""
    problems: list[tuple[str, str]] = []
    tracking = tracking_section(form, problems)
    out.problems += [FieldProblem(key, message) for key, message in problems]
    if tracking is not None:
        for raw in out.specs.values():
            raw["tracking"] = copy.deepcopy(tracking)
    return out


# --- spec -> form (clone) ----------------------------------------------------------------------


def spec_to_form(spec: Mapping[str, Any], *, upload: Mapping[str, Any] | None = None) -> dict:
    """The wizard's values that give ``spec`` back (for "Clone run").

    Args:
        spec: a stored run spec (normalised: its space holds the whole search space).
        upload: the uploaded file the run used (``{"version_id", "filename", "name"}``), when the
            spec reads a file.
    """
    form = default_form()
    dataset = spec.get("dataset") or {}
    if dataset.get("builtin"):
        form.update(source="builtin", builtin=dataset["builtin"],
                    options=dict(dataset.get("options") or {}), upload=None)
    else:
        form.update(source="upload", builtin=None, upload=dict(upload) if upload else None)
    form["target"] = dataset.get("target") or "target"
    form["task"] = spec.get("task") or AUTO_TASK
    features = spec.get("features") or {}
    transforms = features.get("transforms") or {}
    excluded = list(features.get("exclude") or [])
    columns = excluded + [c for c in transforms if c not in excluded]
    form["features"] = [
        {"column": c, "kind": "", "use": c not in excluded, "transform": transforms.get(c, ""),
         "reason": None}
        for c in columns
    ]
    form["features_from_spec"] = True  # other columns were used: keep them on
    model = spec.get("model") or DEFAULT_MODEL
    form["models"] = [model]
    form["presets"][model] = spec.get("preset") or "default"
    space = {name: ParamSpec.model_validate(clean_param(p))
             for name, p in (spec.get("space") or {}).items()}
    form["space"] = space_rows(model, space)
    split = spec.get("split") or {}
    form.update(
        split_method=split.get("method", "kfold"), folds=split.get("folds", 5),
        test_size=split.get("test_size", 0.2), split_seed=split.get("seed", 0),
        group=split.get("group"), shuffle=split.get("shuffle", True),
    )
    form["metrics"] = [m["name"] for m in spec.get("metrics") or [] if isinstance(m, Mapping)]
    sampler = spec.get("sampler") or {}
    pruner = spec.get("pruner") or {}
    budget = spec.get("budget") or {}
    resources = spec.get("resources") or {}
    form.update(
        sampler=sampler.get("name", "tpe"), sampler_seed=sampler.get("seed"),
        pruner=pruner.get("name", "none"), grace_period=pruner.get("grace_period", 1),
        reduction_factor=pruner.get("reduction_factor", 3),
        min_samples_required=pruner.get("min_samples_required", 3),
        n_trials=budget.get("n_trials", 50), max_concurrent=budget.get("max_concurrent", 1),
        timeout_s=budget.get("timeout_s"), cpu=resources.get("cpu", 1),
        gpu=resources.get("gpu", 0), quick=bool(spec.get("quick")),
        max_failures=spec.get("max_failures", 0), name=spec.get("name") or "",
    )
    form.update(tracking_form(spec))
    return form


def known_presets(model: str) -> list[str]:
    try:
        return list(get_model(model).presets)
    except KeyError:
        return []
