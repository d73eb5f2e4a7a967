"""The wizard's callbacks around the data: the preview and target of the chosen dataset, the
metrics and group columns it allows, uploads and the choice among an upload's versions, the
free resources, and resetting the ranges.
Each is checked like every callback: an editor (or owner) of the experiment in the URL."""

from __future__ import annotations

import os
from typing import Any

import dash
from dash import ALL, Input, Output, State

from dashapp import components, guard, services
from dashapp.guard import Access, Denial
from dashapp.pages.new_run import render
from dashapp.pages.new_run.form_view import draft_form, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.layout import HIDDEN
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import local_capacity
from dashapp.pages.new_run.wizard.form import AUTO_TASK, chosen_models, merge_space_rows
from dashapp.pages.new_run.wizard.upload import (
    UploadError,
    accessible_version,
    max_upload_bytes,
    receive_upload,
    upload_form,
    usable_versions,
)
from dashapp.permissions import Role, parse_id
from optunagui.cli.cmd_datasets import human_size
from optunagui.metrics import METRICS

__all__ = ["register_data_callbacks"]

NOT_AVAILABLE = "This experiment does not exist, or you have no access to it."
EDITORS_ONLY = "Only the experiment's editors and owners can launch runs."
TASK_LABELS = {"classification": "Classification", "regression": "Regression"}


def _denied(denial: Denial) -> tuple[Any, ...]:
    text = EDITORS_ONLY if denial.reason == "forbidden" else NOT_AVAILABLE
    return None, components.message(text, "warning", id="new-run-not-available"), HIDDEN


def _task_options(inferred: str | None) -> list[dict[str, str]]:
    auto = f"Inferred from the target ({inferred})" if inferred else "Inferred from the target"
    return [{"label": auto, "value": AUTO_TASK}] + [
        {"label": label, "value": value} for value, label in TASK_LABELS.items()
    ]


def _version_label(version: Any, newest: bool) -> str:
    who = version.added_by_name or "unknown"
    label = (f"{version.short_hash} — {version.n_rows} rows × {version.n_columns} columns, "
             f"{human_size(version.size_bytes)}, added by {who}, "
             f"{components.format_time(version.created_at)}")
    return label + (" (newest)" if newest else "")


def _secret() -> str:
    return services.state().settings.secret_key


def _version_choices(access: Access, upload: Any) -> tuple[Any, ...]:
    """The dropdown of the uploaded name's versions this user may use here."""
    if not isinstance(upload, dict) or not isinstance(upload.get("name"), str):
        return [], None, HIDDEN
    user_id = access.principal.user_id
    chosen = upload.get("version_id")
    with services.database().session() as session:
        proven = accessible_version(session, chosen, user_id=user_id,
                                    experiment_id=access.experiment_id,
                                    proof=upload.get("proof"), secret=_secret())
        versions = usable_versions(session, upload["name"], user_id=user_id,
                                   experiment_id=access.experiment_id,
                                   proven=[proven.id] if proven is not None else [])
    options = [{"label": _version_label(v, i == 0), "value": str(v.id)}
               for i, v in enumerate(versions)]
    if chosen not in {v.id for v in versions}:
        return [], None, HIDDEN
    return options, str(chosen), {}


def register_data_callbacks(app: dash.Dash) -> None:
    editor = guard.experiment(Role.editor, "experiment_id")

    @guard.guarded_callback(
        app,
        requires=editor,
        output=[
            Output(ids.resources, "children"),
            Output(ids.denied, "children"),
            Output(ids.body, "style"),
        ],
        inputs={"experiment_id": Input(ids.experiment, "data")},
        on_denied=_denied,
    )
    def show_resources(access: Access, experiment_id: Any) -> Any:
        capacity = local_capacity(os.cpu_count(), services.state().settings.ray_address)
        return f"Resources: {capacity.source}.", None, {}

    @guard.guarded_callback(
        app,
        requires=editor,
        output=[
            Output(ids.preview, "children"),
            Output(ids.target, "options"),
            Output(ids.target, "value", allow_duplicate=True),
            Output(ids.task, "options"),
            Output(ids.inferred, "data"),
            Output(ids.dataset_status, "children"),
        ],
        inputs={
            "source": Input(ids.source, "value"),
            "builtin": Input(ids.builtin, "value"),
            "upload": Input(ids.upload_data, "data"),
            "target": Input(ids.target, "value"),
        },
        state={"experiment_id": State(ids.experiment, "data"), "options": State(ids.options,
                                                                                 "data")},
        prevent_initial_call="initial_duplicate",
    )
    def describe(access: Access, source: Any, builtin: Any, upload: Any, target: Any,
                 experiment_id: Any, options: Any) -> Any:
        from optunagui.datasets import DatasetError, column_summary, infer_task, preview

        form = {"source": source, "builtin": builtin, "upload": upload, "target": target,
                "options": options if isinstance(options, dict) else {}}
        with services.database().session() as session:
            ref = wizard_data.resolve_dataset(session, form, user_id=access.principal.user_id,
                                              experiment_id=access.experiment_id,
                                              secret=_secret())
        if ref is None:
            note = "Upload a file first." if source == "upload" else "Choose a dataset."
            return (components.empty_note(note), [], None, _task_options(None), None, "")
        loaded, problem = wizard_data.load_for_preview(ref.spec, target)
        if loaded is None:
            return (None, [], None, _task_options(None), None,
                    components.message(problem, "danger"))
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
        data = {"columns": [c for c in columns if c != chosen], "task": inferred}
        return (
            render.preview_table(preview(frame, render.PREVIEW_ROWS), kinds),
            [{"label": c, "value": c} for c in columns_for_target],
            chosen if chosen != target else dash.no_update,
            _task_options(inferred),
            data,
            status,
        )

    @guard.guarded_callback(
        app,
        requires=editor,
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
        state={"experiment_id": State(ids.experiment, "data")},
    )
    def metric_choices(access: Access, task: Any, inferred: Any, metrics: Any,
                       experiment_id: Any) -> Any:
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
            default = {"classification": "accuracy", "regression": "rmse"}.get(effective or "")
            text = (f"None chosen: {default} ({METRICS[default].direction}) is used."
                    if default else "")
        columns = [c for c in inferred.get("columns") or [] if isinstance(c, str)]
        groups = [{"label": "(none)", "value": ""}] + [{"label": c, "value": c} for c in columns]
        return options, text, groups

    @guard.guarded_callback(
        app,
        requires=editor,
        output=[
            Output(ids.upload_data, "data"),
            Output(ids.upload_status, "children"),
            Output(ids.source, "value", allow_duplicate=True),
        ],
        inputs={"contents": Input(ids.upload, "contents")},
        state={
            "filename": State(ids.upload, "filename"),
            "experiment_id": State(ids.experiment, "data"),
        },
        prevent_initial_call=True,
    )
    def upload_file(access: Access, contents: Any, filename: Any, experiment_id: Any) -> Any:
        settings = services.state().settings
        try:
            stored = receive_upload(
                services.database(), settings.data_dir, contents, filename,
                user_id=access.principal.user_id, limit=max_upload_bytes(), secret=_secret(),
            )
        except UploadError as error:
            return dash.no_update, components.message(str(error), "danger"), dash.no_update
        text = (f"Stored {stored.filename}: {stored.n_rows} rows, {stored.n_columns} columns.")
        return stored.as_form(), components.message(text, "success"), "upload"

    @guard.guarded_callback(
        app,
        requires=editor,
        output=[
            Output(ids.upload_version, "options"),
            Output(ids.upload_version, "value"),
            Output(ids.upload_versions, "style"),
            Output(ids.upload_data, "data", allow_duplicate=True),
        ],
        inputs={
            "upload": Input(ids.upload_data, "data"),
            "chosen": Input(ids.upload_version, "value"),
        },
        state={"experiment_id": State(ids.experiment, "data")},
        prevent_initial_call="initial_duplicate",
    )
    def choose_version(access: Access, upload: Any, chosen: Any, experiment_id: Any) -> Any:
        """Lists the uploaded name's versions; picking one makes the wizard read it."""
        current = upload.get("version_id") if isinstance(upload, dict) else None
        if dash.ctx.triggered_id != ids.upload_version:
            return (*_version_choices(access, upload), dash.no_update)
        chosen = parse_id(chosen)
        if chosen is None or chosen == current:
            raise dash.exceptions.PreventUpdate
        with services.database().session() as session:
            version = accessible_version(session, chosen, user_id=access.principal.user_id,
                                         experiment_id=access.experiment_id)
            picked = upload_form(version) if version is not None else None
        if picked is None:
            return (*_version_choices(access, upload), dash.no_update)
        return dash.no_update, dash.no_update, dash.no_update, picked

    @guard.guarded_callback(
        app,
        requires=editor,
        output=[
            Output(ids.space, "children", allow_duplicate=True),
            Output(ids.space_status, "children"),
        ],
        inputs={"clicks": Input(ids.space_reset, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "draft": State(ids.draft, "data"),
            "model_use": State({"type": ids.model_use, "model": ALL}, "value"),
            "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
            "preset_values": State({"type": ids.preset, "model": ALL}, "value"),
            "preset_ids": State({"type": ids.preset, "model": ALL}, "id"),
        },
        prevent_initial_call=True,
    )
    def reset_space(access: Access, clicks: Any, experiment_id: Any, draft: Any,
                    **values: Any) -> Any:
        form = read_form(draft_form(draft, access.experiment_id), values)
        models = chosen_models(form)
        presets = {m: form["presets"].get(m, "default") for m in models}
        rows = merge_space_rows(models, presets, [], {})
        done = ", ".join(f"{m} ({p})" for m, p in presets.items()) or "no model chosen"
        return render.space_table(rows, {}, models), f"Reset to the preset: {done}."
