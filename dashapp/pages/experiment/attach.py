""""Attach a study" on the experiment page: owners (and admins) file an Optuna study run by
their own code under this experiment; the server's follower mirrors it from then on."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, State, html

from dashapp import guard, services
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role
from dashapp.state import state
from optunagui.attach import AttachError, ReaderCache, attach_studies, parse_source, poll_run
from optunagui.attach.policy import refusal

__all__ = ["attach_body", "attach_study", "register_attach"]

MAX_STORAGE = 4096


def attach_body() -> list[Any]:
    return [
        html.P("A study your own code runs (its storage=...): the product reads it, never "
               "writes to it, and follows it as trials arrive.", className="text-muted small"),
        dbc.Input(id=ids.attach_storage, placeholder="postgresql://user@host/db, "
                  "sqlite:///path/study.db or journal:/path/journal.log",
                  maxLength=MAX_STORAGE, class_name="mb-2"),
        dbc.InputGroup([
            dbc.Input(id=ids.attach_studies, placeholder="Study names, comma-separated "
                      "(empty: the storage's only study)", maxLength=2000),
            dbc.Button("Attach", id=ids.attach_button, color="primary"),
        ], class_name="mb-2"),
        dbc.Checkbox(id=ids.attach_follow, label="Keep following it", value=True),
        html.Div(id=ids.attach_feedback, className="mt-2"),
    ]


def _names(text: Any) -> list[str] | None:
    if text is None:
        return []
    if not isinstance(text, str):
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def attach_study(access: Access, clicks: Any, experiment_id: Any, storage: Any, studies: Any,
                 follow: Any, refresh: Any) -> Any:
    if not isinstance(storage, str) or not storage.strip() or len(storage) > MAX_STORAGE:
        return refused("storage: give the study's storage URL or journal file.", 3)
    names = _names(studies)
    if names is None:
        return refused("study: names separated by commas.", 3)
    settings = state().settings
    try:
        source = parse_source(storage)
    except ValueError as error:
        return refused(str(error), 3)
    problem = refusal(source, is_admin=access.principal.is_admin,
                      attach_dirs=settings.attach_dirs)
    if problem is not None:
        return refused(problem, 3)
    db = services.database()
    try:
        attached = attach_studies(db, storage=storage, studies=names,
                                  experiment_id=access.experiment_id,
                                  user_id=access.principal.user_id,
                                  database_url=settings.database_url,
                                  follow=bool(follow), mirror_now=not follow)
    except AttachError as error:
        return refused(str(error), 3)
    readers = ReaderCache()
    try:
        for run in attached if follow else []:
            poll_run(db, run.run_id, readers, max_chunks=1)  # the first trials, now
    finally:
        readers.close()
    runs = ", ".join(f"#{run.run_id} {run.study}" for run in attached)
    return done(f"Attached: {runs}." + (" Trials arrive as the study's code writes them."
                                        if follow else ""), refresh, "")


def register_attach(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=action_outputs(ids.attach_feedback, ids.refresh, ids.attach_storage),
        inputs={"clicks": Input(ids.attach_button, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "storage": State(ids.attach_storage, "value"),
            "studies": State(ids.attach_studies, "value"),
            "follow": State(ids.attach_follow, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(attach_study)

