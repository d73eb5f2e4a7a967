"""What follows from the data and the task, without Dash: which column is the target of a new
file, the key that tells whether the data changed, and the metrics, split and models that no
longer fit when the task changes (each with the sentence that says what was done and why)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from optunagui.metrics import METRICS
from optunagui.models import get_model

__all__ = [
    "TARGET_NAMES",
    "TASKS",
    "FollowUp",
    "data_key",
    "default_target",
    "effective_task",
    "follow_metrics",
    "follow_models",
    "follow_split",
    "task_warning",
]

TASKS = ("classification", "regression")
# Column names that say "this is what to predict", in order of preference.
TARGET_NAMES = ("target", "label", "class", "y")
STRATIFIED = "stratified_kfold"


@dataclass(frozen=True)
class FollowUp:
    """The choices kept, the ones taken away, and the sentence that says so (None: nothing)."""

    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    note: str | None = None


def data_key(source: Any, builtin: Any, upload: Any, target: Any) -> str:
    """Names the data and target the form reads: when it changes, the task is inferred again."""
    if source == "upload":
        version = upload.get("version_id") if isinstance(upload, Mapping) else None
        return f"upload:{version}:{target}"
    return f"builtin:{builtin}:{target}"


def default_target(columns: Sequence[str]) -> tuple[str | None, str]:
    """The column a new file predicts, and why: one named like a target, else the last one."""
    by_name = {str(c).strip().lower(): str(c) for c in columns}
    for name in TARGET_NAMES:
        if name in by_name:
            return by_name[name], "its name says it is the target"
    if not columns:
        return None, "the file has no columns"
    return str(columns[-1]), "the last column"


def effective_task(task: Any, inferred: Any, current_key: str | None) -> str | None:
    """The task the run will have: the one chosen, else the one inferred for the data the form
    reads now (an inference about other data, not yet redone, does not count)."""
    if task in TASKS:
        return task
    if not isinstance(inferred, Mapping) or inferred.get("key") != current_key:
        return None
    found = inferred.get("task")
    return found if found in TASKS else None


def _names(items: Sequence[str]) -> str:
    return ", ".join(items)


def follow_metrics(metrics: Any, task: str | None) -> FollowUp:
    """The chosen metrics that fit ``task``; the others removed, with why."""
    chosen = [m for m in metrics or [] if isinstance(m, str)] if isinstance(metrics, list) else []
    if task is None:
        return FollowUp(kept=chosen)
    kept = [m for m in chosen if m not in METRICS or METRICS[m].task == task]
    removed = [m for m in chosen if m not in kept]
    if not removed:
        return FollowUp(kept=kept)
    kinds = sorted({METRICS[m].task for m in removed})
    what = f"a {kinds[0]} metric" if len(removed) == 1 else f"{' and '.join(kinds)} metrics"
    note = f"Removed {_names(removed)}: {what}, and the task is {task}."
    return FollowUp(kept=kept, removed=removed, note=note)


def follow_split(method: Any, task: str | None) -> FollowUp:
    """The split method for ``task``: a stratified split becomes kfold for regression."""
    if task == "regression" and method == STRATIFIED:
        return FollowUp(kept=["kfold"], removed=[STRATIFIED],
                        note="Split: stratified_kfold is for classification (it keeps the "
                             "classes' shares in each fold); it is kfold now, for regression.")
    return FollowUp(kept=[method] if isinstance(method, str) else [])


def _does(model: str, task: str) -> bool:
    try:
        return task in get_model(model).tasks
    except KeyError:
        return True  # an unknown model is the spec check's to report


def follow_models(models: Sequence[str], task: str | None) -> FollowUp:
    """The chosen models that do ``task``; the others unselected, with why."""
    if task is None:
        return FollowUp(kept=list(models))
    kept = [m for m in models if _does(m, task)]
    removed = [m for m in models if m not in kept]
    if not removed:
        return FollowUp(kept=kept)
    does = "does" if len(removed) == 1 else "do"
    note = f"Unselected {_names(removed)}: {does} not do {task}."
    if not kept:
        note += " Choose another model in step 3."
    return FollowUp(kept=kept, removed=removed, note=note)


def task_warning(task: Any, inferred_task: Any) -> str | None:
    """The warning for a chosen task the target does not look like, else None."""
    if task not in TASKS or inferred_task not in TASKS or task == inferred_task:
        return None
    return (f"The target looks like {inferred_task}, but {task} is chosen: check that this is "
            f"what you mean, or choose 'Inferred from the target'.")
