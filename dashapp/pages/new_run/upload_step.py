"""The wizard's uploads on the server: storing an uploaded file as a dataset version, and the
choice among the versions of an uploaded name. A refused upload says what is still the data in
use. Checked like every callback: an editor (or owner) of the experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, upload_secret
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard.upload import (
    UploadError,
    accessible_version,
    max_upload_bytes,
    receive_upload,
    upload_form,
    usable_versions,
)
from dashapp.pages.new_run.wizard.wording import count
from dashapp.permissions import parse_id
from optunagui.datasets import BUILTIN_DATASETS
from optunagui.formatting import format_time, human_size

__all__ = ["choose_version", "register_upload_step", "still_in_use", "upload_file"]


def still_in_use(source: Any, builtin: Any, upload: Any) -> str:
    """What the wizard still reads after a refused upload."""
    if source == "upload":
        name = upload.get("filename") or upload.get("name") if isinstance(upload, dict) else None
        if name:
            return f"The wizard still reads {str(name)[:100]}, uploaded before."
        return "No file is in use: upload a CSV or Parquet file."
    info = BUILTIN_DATASETS.get(str(builtin))
    if info is not None:
        return f"The wizard still reads the built-in dataset {info.label}."
    return "No dataset is in use yet."


def upload_file(access: Access, contents: Any, filename: Any, experiment_id: Any,
                current: Any = None, source: Any = None, builtin: Any = None) -> Any:
    """Stores an uploaded file as a dataset version and makes the wizard read it."""
    settings = services.state().settings
    try:
        stored = receive_upload(
            services.database(), settings.data_dir, contents, filename,
            user_id=access.principal.user_id, limit=max_upload_bytes(), secret=upload_secret(),
        )
    except UploadError as error:
        text = [f"Upload refused: {error}.", " ", still_in_use(source, builtin, current)]
        return dash.no_update, components.message(text, "danger"), dash.no_update
    text = (f"Stored {stored.filename}: {count(stored.n_rows, 'row')}, "
            f"{count(stored.n_columns, 'column')}.")
    return stored.as_form(), components.message(text, "success"), "upload"


def _version_label(version: Any, newest: bool) -> str:
    who = version.added_by_name or "unknown"
    label = (f"{version.short_hash} — {count(version.n_rows, 'row')} × "
             f"{count(version.n_columns, 'column')}, "
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


def register_upload_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.upload_data, "data"),
            Output(ids.upload_status, "children"),
            Output(ids.source, "value", allow_duplicate=True),
        ],
        inputs={"contents": Input(ids.upload, "contents")},
        state={"filename": State(ids.upload, "filename"), "experiment_id": EXPERIMENT,
               "current": State(ids.upload_data, "data"), "source": State(ids.source, "value"),
               "builtin": State(ids.builtin, "value")},
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
