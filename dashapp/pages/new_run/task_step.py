"""What follows the task, on the server: the metrics it allows (those chosen that no longer fit
are removed), the split (stratified folds are for classification) and the models (those that
do not do the task are unselected), each change said in a sentence; and a warning when the task
chosen is not the one the target looks like. The task that counts is the one chosen, else the
one inferred for the data the form reads now. Checked like every callback: an editor (or owner)
of the experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, html

from dashapp import guard
from dashapp.guard import Access
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard.follow import (
    data_key,
    effective_task,
    follow_metrics,
    follow_models,
    follow_split,
    task_warning,
)
from optunagui.metrics import METRICS

__all__ = ["DEFAULT_METRICS", "follow_task", "metric_choices", "register_task_step"]

DEFAULT_METRICS = {"classification": "accuracy", "regression": "rmse"}
_DATA_STATES = {
    "source": State(ids.source, "value"),
    "builtin": State(ids.builtin, "value"),
    "upload": State(ids.upload_data, "data"),
    "target": State(ids.target, "value"),
}


def _directions(chosen: list[str], task: str | None) -> str:
    if chosen:
        return "Optimised: " + "; ".join(f"{m}: {METRICS[m].direction}" for m in chosen
                                         if m in METRICS) + "."
    default = DEFAULT_METRICS.get(task or "")
    return f"None chosen: {default} ({METRICS[default].direction}) is used." if default else ""


def metric_choices(access: Access, task: Any, inferred: Any, metrics: Any, experiment_id: Any,
                   source: Any = None, builtin: Any = None, upload: Any = None,
                   target: Any = None) -> dict[str, Any]:
    """The metrics the task allows, those chosen that still fit, what is optimised, what was
    removed, and the columns to group folds by."""
    inferred = inferred if isinstance(inferred, dict) else {}
    effective = effective_task(task, inferred, data_key(source, builtin, upload, target))
    options = [{"label": f"{m.label} ({m.direction})", "value": m.name}
               for m in METRICS.values() if effective is None or m.task == effective]
    followed = follow_metrics(metrics, effective)
    text: Any = _directions(followed.kept, effective)
    if followed.note:
        text = [html.Div(followed.note, className="text-warning-emphasis"), html.Div(text)]
    columns = [c for c in inferred.get("columns") or [] if isinstance(c, str)]
    groups = [{"label": "(none)", "value": ""}] + [{"label": c, "value": c} for c in columns]
    task_changed = ctx.triggered_id != ids.metrics
    return {
        "options": options,
        "text": text,
        "groups": groups,
        "value": followed.kept if followed.removed else dash.no_update,
        "note": followed.note if task_changed else dash.no_update,
    }


def follow_task(access: Access, task: Any, inferred: Any, experiment_id: Any, split_method: Any,
                model_use: Any, model_ids: Any, source: Any = None, builtin: Any = None,
                upload: Any = None, target: Any = None) -> dict[str, Any]:
    """The split and the models that fit the task, what was changed, and the task's warning."""
    current = data_key(source, builtin, upload, target)
    effective = effective_task(task, inferred, current)
    slots = [slot for slot in model_ids or [] if isinstance(slot, dict)]
    uses = list(model_use or []) + [False] * len(slots)
    chosen = [str(slot.get("model")) for slot, use in zip(slots, uses, strict=False) if use]
    split = follow_split(split_method, effective)
    models = follow_models(chosen, effective)
    fresh = isinstance(inferred, dict) and inferred.get("key") == current
    warning = task_warning(task, inferred.get("task")) if fresh else None
    notes: list[Any] = [html.Div(n) for n in (split.note, models.note) if n]
    if warning:
        notes.insert(0, html.Div(warning, className="text-danger", id="new-run-task-warning"))
    return {
        "split": split.kept[0] if split.removed else dash.no_update,
        "models": [slot.get("model") in models.kept if models.removed else dash.no_update
                   for slot in slots],
        "notes": notes or None,
    }


def register_task_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "options": Output(ids.metrics, "options"),
            "text": Output(ids.directions, "children"),
            "groups": Output(ids.group, "options"),
            "value": Output(ids.metrics, "value", allow_duplicate=True),
            "note": Output(ids.metric_notes, "children"),
        },
        inputs={
            "task": Input(ids.task, "value"),
            "inferred": Input(ids.inferred, "data"),
            "metrics": Input(ids.metrics, "value"),
        },
        state={"experiment_id": EXPERIMENT, **_DATA_STATES},
        prevent_initial_call="initial_duplicate",
    )(metric_choices)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "split": Output(ids.split_method, "value", allow_duplicate=True),
            "models": Output({"type": ids.model_use, "model": ALL}, "value",
                             allow_duplicate=True),
            "notes": Output(ids.task_notes, "children"),
        },
        inputs={"task": Input(ids.task, "value"), "inferred": Input(ids.inferred, "data")},
        state={
            "experiment_id": EXPERIMENT,
            "split_method": State(ids.split_method, "value"),
            "model_use": State({"type": ids.model_use, "model": ALL}, "value"),
            "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
            **_DATA_STATES,
        },
        prevent_initial_call="initial_duplicate",
    )(follow_task)
