"""The wizard's callbacks around the data: the preview and target of the chosen dataset, the
metrics and group columns it allows, uploads and the choice among an upload's versions.
Each is checked like every callback: an editor (or owner) of the experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, resolve_choice, upload_secret
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import AUTO_TASK
from dashapp.pages.new_run.wizard.upload import (
    UploadError,
    accessible_version,
    max_upload_bytes,
    receive_upload,
    upload_form,
    usable_versions,
)
from dashapp.permissions import parse_id
from optunagui.datasets import DatasetError, column_summary, infer_task, preview
from optunagui.formatting import format_time, human_size
from optunagui.metrics import METRICS

__all__ = [
    "choose_version",
    "describe",
    "metric_choices",
    "register_dataset_step",
    "upload_file",
]

TASK_LABELS = {"classification": "Classification", "regression": "Regression"}
DEFAULT_METRICS = {"classification": "accuracy", "regression": "rmse"}


def _task_options(inferred: str | None) -> list[dict[str, str]]:
    auto = f"Inferred from the target ({inferred})" if inferred else "Inferred from the target"
    return [{"label": auto, "value": AUTO_TASK}] + [
        {"label": label, "value": value} for value, label in TASK_LABELS.items()
    ]


def _description(preview_children: Any, *, status: Any, target_options: list | None = None,
                 target: Any = None, task: str | None = None,
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
    }


def describe(access: Access, source: Any, builtin: Any, upload: Any, target: Any,
             experiment_id: Any, options: Any) -> dict[str, Any]:
    """The chosen dataset's first rows, its target choices, the inferred task and its size."""
    form = {"source": source, "builtin": builtin, "upload": upload, "target": target,
            "options": options if isinstance(options, dict) else {}}
    ref = resolve_choice(access, form)
    if ref is None:
        note = "Upload a file first." if source == "upload" else "Choose a dataset."
        return _description(components.empty_note(note), status="")
    loaded, problem = wizard_data.load_for_preview(ref.spec, target)
    if loaded is None:
        return _description(None, status=components.message(problem, "danger"))
    frame = loaded.frame
    columns = [str(c) for c in frame.columns]
    columns_for_target = [loaded.target] if "builtin" in ref.spec else columns
    chosen = target if target in columns_for_target else loaded.target
    kinds = {info.name: info.kind for info in column_summary(frame, chosen)}
    try:
        inferred = infer_task(frame[chosen]) if problem is None else None
    except (DatasetError, ValueError, TypeError):
        inferred = None
    status: Any = f"{len(frame)} rows, {len(columns)} columns."
    if problem is not None:
        status = components.message(problem, "warning")
    return _description(
        tables.preview_table(preview(frame, tables.PREVIEW_ROWS), kinds),
        status=status,
        target_options=[{"label": c, "value": c} for c in columns_for_target],
        target=chosen if chosen != target else dash.no_update,
        task=inferred,
        inferred={"columns": [c for c in columns if c != chosen], "task": inferred},
    )


def metric_choices(access: Access, task: Any, inferred: Any, metrics: Any,
                   experiment_id: Any) -> Any:
    """The metrics the task allows, what is optimised, and the columns to group folds by."""
    inferred = inferred if isinstance(inferred, dict) else {}
    effective = task if task in TASK_LABELS else inferred.get("task")
    options = [
        {"label": f"{m.label} ({m.direction})", "value": m.name}
        for m in METRICS.values() if effective is None or m.task == effective
    ]
    chosen = [m for m in metrics or [] if isinstance(m, str) and m in METRICS]
    if chosen:
        directions = "; ".join(f"{m}: {METRICS[m].direction}" for m in chosen)
        text = f"Optimised: {directions}."
    else:
        default = DEFAULT_METRICS.get(effective or "")
        text = (f"None chosen: {default} ({METRICS[default].direction}) is used."
                if default else "")
    columns = [c for c in inferred.get("columns") or [] if isinstance(c, str)]
    groups = [{"label": "(none)", "value": ""}] + [{"label": c, "value": c} for c in columns]
    return options, text, groups


def upload_file(access: Access, contents: Any, filename: Any, experiment_id: Any) -> Any:
    """Stores an uploaded file as a dataset version and makes the wizard read it."""
    settings = services.state().settings
    try:
        stored = receive_upload(
            services.database(), settings.data_dir, contents, filename,
            user_id=access.principal.user_id, limit=max_upload_bytes(), secret=upload_secret(),
        )
    except UploadError as error:
        return dash.no_update, components.message(str(error), "danger"), dash.no_update
    text = (f"Stored {stored.filename}: {stored.n_rows} rows, {stored.n_columns} columns.")
    return stored.as_form(), components.message(text, "success"), "upload"


def _version_label(version: Any, newest: bool) -> str:
    who = version.added_by_name or "unknown"
    label = (f"{version.short_hash} — {version.n_rows} rows × {version.n_columns} columns, "
             f"{human_size(version.size_bytes)}, added by {who}, "
             f"{format_time(version.created_at)}")
    return label + (" (newest)" if newest else "")


def _version_choices(access: Access, upload: Any) -> dict[str, Any]:
    """The dropdown of the uploaded name's versions this user may use here; the upload kept."""
    hidden: dict[str, Any] = {"options": [], "value": None, "shown": components.HIDDEN,
                              "upload": dash.no_update}
    if not isinstance(upload, dict) or not isinstance(upload.get("name"), str):
        return hidden
    user_id = access.principal.user_id
    chosen = upload.get("version_id")
    with services.database().session() as session:
        proven = accessible_version(session, chosen, user_id=user_id,
                                    experiment_id=access.experiment_id,
                                    proof=upload.get("proof"), secret=upload_secret())
        versions = usable_versions(session, upload["name"], user_id=user_id,
                                   experiment_id=access.experiment_id,
                                   proven=[proven.id] if proven is not None else [])
    options = [{"label": _version_label(v, i == 0), "value": str(v.id)}
               for i, v in enumerate(versions)]
    if chosen not in {v.id for v in versions}:
        return hidden
    return {"options": options, "value": str(chosen), "shown": components.SHOWN,
            "upload": dash.no_update}


def choose_version(access: Access, upload: Any, chosen: Any, experiment_id: Any) -> Any:
    """Lists the uploaded name's versions; picking one makes the wizard read it."""
    current = upload.get("version_id") if isinstance(upload, dict) else None
    if dash.ctx.triggered_id != ids.upload_version:
        return _version_choices(access, upload)
    chosen = parse_id(chosen)
    if chosen is None or chosen == current:
        raise dash.exceptions.PreventUpdate
    with services.database().session() as session:
        version = accessible_version(session, chosen, user_id=access.principal.user_id,
                                     experiment_id=access.experiment_id)
        picked = upload_form(version) if version is not None else None
    if picked is None:
        return _version_choices(access, upload)
    return {"options": dash.no_update, "value": dash.no_update, "shown": dash.no_update,
            "upload": picked}


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
        },
        inputs={
            "source": Input(ids.source, "value"),
            "builtin": Input(ids.builtin, "value"),
            "upload": Input(ids.upload_data, "data"),
            "target": Input(ids.target, "value"),
        },
        state={"experiment_id": EXPERIMENT, "options": State(ids.options, "data")},
        prevent_initial_call="initial_duplicate",
    )(describe)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.metrics, "options"),
            Output(ids.directions, "children"),
            Output(ids.group, "options"),
        ],
        inputs={
            "task": Input(ids.task, "value"),
            "inferred": Input(ids.inferred, "data"),
            "metrics": Input(ids.metrics, "value"),
        },
        state={"experiment_id": EXPERIMENT},
    )(metric_choices)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.upload_data, "data"),
            Output(ids.upload_status, "children"),
            Output(ids.source, "value", allow_duplicate=True),
        ],
        inputs={"contents": Input(ids.upload, "contents")},
        state={"filename": State(ids.upload, "filename"), "experiment_id": EXPERIMENT},
        prevent_initial_call=True,
    )(upload_file)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "options": Output(ids.upload_version, "options"),
            "value": Output(ids.upload_version, "value"),
            "shown": Output(ids.upload_versions, "style"),
            "upload": Output(ids.upload_data, "data", allow_duplicate=True),
        },
        inputs={"upload": Input(ids.upload_data, "data"), "chosen": Input(ids.upload_version,
                                                                            "value")},
        state={"experiment_id": EXPERIMENT},
        prevent_initial_call="initial_duplicate",
    )(choose_version)
