"""The checks of a spec that runs a user's own objective (``objective.function``).

Everything here reads files and source text only; the user's code is never imported or run
(that happens in Ray workers alone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from optunagui.code.archive import CodeTooLarge, build_archive
from optunagui.code.entry import entry_problems, parse_entry
from optunagui.spec.model import QUICK_MAX_TRIALS, ExperimentSpec, ObjectiveSpec, PrunerSpec

if TYPE_CHECKING:
    from optunagui.code.archive import CodeArchive

__all__ = ["CODE_SAMPLERS", "check_objective", "code_quick_updates", "resolve_working_dir"]

Add = Callable[[str, str], None]

# The grid sampler enumerates a space known up front; a code run suggests its own.
CODE_SAMPLERS = ("tpe", "random", "cmaes", "qmc", "gp", "nsga2")


def resolve_working_dir(objective: ObjectiveSpec, base_dir: str | Path | None) -> Path:
    """The objective's working directory, absolute: relative ones are taken from `base_dir`
    (the spec file's folder), or the current directory."""
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    written = Path(objective.working_dir).expanduser() if objective.working_dir else Path(".")
    return (written if written.is_absolute() else base / written).resolve()


def check_objective(
    spec: ExperimentSpec, base_dir: str | Path | None, add: Add, *, check_files: bool = True
) -> tuple[ObjectiveSpec, CodeArchive | None]:
    """Check the objective section, the metrics and the search algorithm of a code run.

    Returns the objective with its working directory made absolute, and the packaged code
    (None when the spec already names a stored code version, or files were not checked).
    """
    objective = spec.objective
    assert objective is not None
    for field in ("function", "setup"):
        text = getattr(objective, field)
        if text is None:
            continue
        try:
            parse_entry(text)
        except ValueError as error:
            add(f"objective.{field}", str(error))
    _check_metrics(spec, add)
    _check_search(spec, add)
    if spec.model is None and spec.preset != "default":
        add("preset", "presets belong to built-in models; a code run's ranges come from its "
                      "code and the spec's space")
    if objective.code is not None or not check_files:
        return objective, None
    working_dir = resolve_working_dir(objective, base_dir)
    normalised = objective.model_copy(update={"working_dir": str(working_dir)})
    if not working_dir.is_dir():
        add("objective.working_dir", f"{working_dir} is not a folder; give the folder that "
                                     "holds your code (default: the spec file's folder)")
        return normalised, None
    for field in ("function", "setup"):
        text = getattr(objective, field)
        if text is None:
            continue
        for message in entry_problems(working_dir, text):
            add(f"objective.{field}", message)
    try:
        archive = build_archive(working_dir)
    except CodeTooLarge as error:
        add("objective.working_dir", str(error))
        return normalised, None
    except ValueError as error:
        add("objective.working_dir", str(error))
        return normalised, None
    return normalised, archive


def _check_metrics(spec: ExperimentSpec, add: Add) -> None:
    if not spec.metrics:
        add("metrics", "name the value(s) your objective returns with their directions, e.g. "
                       "[{name: accuracy, direction: maximize}]")
        return
    seen: set[str] = set()
    for i, metric in enumerate(spec.metrics):
        if not metric.name.strip() or not metric.name.replace("_", "a").isalnum():
            add(f"metrics[{i}].name", f"{metric.name!r}: use letters, digits and underscores")
        if metric.name in seen:
            add(f"metrics[{i}].name", f"{metric.name} is listed twice")
        seen.add(metric.name)
        if metric.direction is None:
            add(f"metrics[{i}].direction", f"say whether {metric.name} is better larger "
                                           "(maximize) or smaller (minimize)")


def _check_search(spec: ExperimentSpec, add: Add) -> None:
    sampler = spec.sampler.name
    if sampler not in CODE_SAMPLERS:
        hint = (" (grid needs every value up front; your code suggests its own)"
                if sampler == "grid" else "")
        add("sampler.name", f"{sampler!r} cannot tune a code run{hint}; valid: "
                            + ", ".join(CODE_SAMPLERS))
    elif spec.is_multi_objective and sampler == "cmaes":
        add("sampler.name", "cmaes optimises one metric only; with several metrics use nsga2, "
                            "tpe, gp or random")
    if spec.is_multi_objective and spec.pruner.name != "none":
        add("pruner.name", "pruning compares one metric, so it cannot be used with several "
                           "metrics; set pruner to none")


def code_quick_updates(spec: ExperimentSpec) -> dict[str, object]:
    """Quick mode for a code run: at most QUICK_MAX_TRIALS trials and, for one metric with no
    pruner chosen, median pruning (a code run's steps are whatever it reports)."""
    if not spec.quick:
        return {}
    updates: dict[str, object] = {
        "budget": spec.budget.model_copy(
            update={"n_trials": min(spec.budget.n_trials, QUICK_MAX_TRIALS)}),
    }
    if spec.pruner.name == "none" and not spec.is_multi_objective:
        updates["pruner"] = PrunerSpec(name="median", grace_period=1, min_samples_required=3)
    return updates
