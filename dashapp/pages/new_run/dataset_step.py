"""The wizard's first step on the server: the chosen dataset's first rows, its target and the
task the target asks for. When the person changes the data or the target, the task is inferred
again (what depends on the task follows in ``task_step.py``). Checked like every callback: an
editor (or owner) of the experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import components, guard
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, resolve_choice
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.follow import TASKS, data_key, default_target
from dashapp.pages.new_run.wizard.form import AUTO_TASK, DatasetRef
from dashapp.pages.new_run.wizard.wording import count
from optunagui.datasets import DatasetError, LoadedDataset, column_summary, infer_task, preview

__all__ = ["TASK_LABELS", "describe", "register_dataset_step"]

TASK_LABELS = {"classification": "Classification", "regression": "Regression"}
INFERRED_AGAIN = "The data changed, so the task is inferred from the target again."


def _task_options(inferred: str | None) -> list[dict[str, str]]:
    auto = f"Inferred from the target ({inferred})" if inferred else "Inferred from the target"
    return [{"label": auto, "value": AUTO_TASK}] + [
        {"label": label, "value": value} for value, label in TASK_LABELS.items()
    ]


def _description(preview_children: Any, *, status: Any, target_options: list | None = None,
                 target: Any = dash.no_update, task: str | None = None,
                 inferred: dict[str, Any] | None = None) -> dict[str, Any]:
    """The outputs of ``describe``; without a dataset, no target to choose and no task.

    Args:
        task: the task inferred from the target, named in the task's "inferred" choice.
        inferred: what the data allows (its feature columns, the task), for other callbacks.
    """
    return {
        "preview": preview_children,
        "target_options": target_options or [],
        "target": target,
        "task_options": _task_options(task),
        "inferred": inferred,
        "status": status,
        "task": dash.no_update,
        "described": dash.no_update,
    }


def _load(ref: DatasetRef, target: Any) -> tuple[LoadedDataset | None, str | None, str, str]:
    """The data, the problem with it, the target chosen and why (empty: the person chose it).

    A file read for the first time, or with a target it does not have, gets the column named
    like a target, else its last column."""
    loaded, problem = wizard_data.load_for_preview(ref.spec, target)
    if loaded is None or "builtin" in ref.spec:
        return loaded, problem, loaded.target if loaded is not None else "", ""
    columns = [str(c) for c in loaded.frame.columns]
    picked, reason = default_target(columns)
    if target in columns:
        return loaded, problem, str(target), reason if target == picked else ""
    if picked is None:
        return loaded, problem, loaded.target, ""
    again, problem = wizard_data.load_for_preview(ref.spec, picked)
    return (again or loaded), problem, picked, reason


def _status(loaded: LoadedDataset, ref: DatasetRef, chosen: str, reason: str) -> str:
    frame = loaded.frame
    text = f"{count(len(frame), 'row')}, {count(len(frame.columns), 'column')}."
    if "builtin" in ref.spec:
        return text
    why = f" ({reason}; choose another above if that is not what to predict)" if reason else ""
    text = f"{text} Target: {chosen}{why}."
    missing = int(frame[chosen].isna().sum()) if chosen in frame.columns else 0
    if missing:
        text += f" {count(missing, 'row')} without a value for {chosen}: left out of the run."
    return text


def _infer(loaded: LoadedDataset, chosen: str) -> str | None:
    try:
        return infer_task(loaded.frame[chosen])
    except (DatasetError, KeyError, ValueError, TypeError):
        return None


def describe(access: Access, source: Any, builtin: Any, upload: Any, target: Any,
             experiment_id: Any, options: Any, task: Any = None,
             described: Any = None) -> dict[str, Any]:
    """The chosen dataset's first rows, its target choices, the inferred task and its size;
    the task back to "inferred" when the data or target changed since the last description."""
    form = {"source": source, "builtin": builtin, "upload": upload, "target": target,
            "options": options if isinstance(options, dict) else {}}
    ref = resolve_choice(access, form)
    if ref is None:
        note = "Upload a file first." if source == "upload" else "Choose a dataset."
        return _description(components.empty_note(note), status="")
    loaded, problem, chosen, reason = _load(ref, target)
    problem = wizard_data.hide_path(problem, ref) if problem else None
    if loaded is None:
        return _description(None, status=components.message(problem, "danger"))
    columns = [str(c) for c in loaded.frame.columns]
    kinds = {info.name: info.kind for info in column_summary(loaded.frame, chosen)}
    inferred = _infer(loaded, chosen) if problem is None else None
    key = data_key(source, builtin, upload, chosen)
    status: Any = _status(loaded, ref, chosen, reason)
    if problem is not None:
        status = components.message(problem, "warning")
    changed = described is not None and described != key
    reset = changed and task in TASKS
    if reset and isinstance(status, str):
        status = f"{status} {INFERRED_AGAIN}"
    result = _description(
        tables.preview_table(preview(loaded.frame, tables.PREVIEW_ROWS), kinds),
        status=status,
        target_options=[{"label": c, "value": c}
                         for c in ([loaded.target] if "builtin" in ref.spec else columns)],
        target=chosen if chosen != target else dash.no_update,
        task=inferred,
        inferred={"columns": [c for c in columns if c != chosen], "task": inferred, "key": key},
    )
    return {**result, "task": AUTO_TASK if reset else dash.no_update,
            "described": key if key != described else dash.no_update}


def register_dataset_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "preview": Output(ids.preview, "children"),
            "target_options": Output(ids.target, "options"),
            "target": Output(ids.target, "value", allow_duplicate=True),
            "task_options": Output(ids.task, "options"),
            "inferred": Output(ids.inferred, "data"),
            "status": Output(ids.dataset_status, "children"),
            "task": Output(ids.task, "value", allow_duplicate=True),
            "described": Output(ids.described, "data", allow_duplicate=True),
        },
        inputs={
            "source": Input(ids.source, "value"),
            "builtin": Input(ids.builtin, "value"),
            "upload": Input(ids.upload_data, "data"),
            "target": Input(ids.target, "value"),
        },
        state={"experiment_id": EXPERIMENT, "options": State(ids.options, "data"),
               "task": State(ids.task, "value"), "described": State(ids.described, "data")},
        prevent_initial_call="initial_duplicate",
    )(describe)
