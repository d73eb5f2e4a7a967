"""The experiment page's Settings card, for owners: rename the experiment, or delete it (and its
runs' studies) after typing its exact name."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashapp import components, guard, queries, services
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.paths import app_path
from dashapp.permissions import Role

__all__ = ["delete", "register_settings", "rename", "settings_body"]


def settings_body() -> list[Any]:
    return [
        dbc.Label("Name", html_for=ids.rename_input),
        dbc.InputGroup(
            [
                dbc.Input(id=ids.rename_input, maxLength=200),
                dbc.Button("Rename", id=ids.rename_button, color="secondary"),
            ],
            class_name="mb-3",
        ),
        dbc.Label("Delete: type the experiment's name to confirm", html_for=ids.delete_confirm),
        dbc.InputGroup(
            [
                dbc.Input(id=ids.delete_confirm, maxLength=200),
                dbc.Button("Delete experiment", id=ids.delete_button, color="danger"),
            ],
            class_name="mb-2",
        ),
        html.Div(id=ids.settings_feedback),
    ]


def rename(access: Access, clicks: Any, experiment_id: Any, name: Any, refresh: Any) -> Any:
    problem = queries.check_name(name, "An experiment", queries.MAX_EXPERIMENT_NAME)
    if problem:
        return refused(problem)
    with services.database().session() as session:
        queries.rename_experiment(session, access.experiment_id, name)
    return done("Renamed.", refresh)


def delete(access: Access, clicks: Any, experiment_id: Any, confirm: Any) -> Any:
    with services.database().session() as session:
        header = queries.get_experiment_header(session, access.experiment_id)
        if header is None or not isinstance(confirm, str) or confirm.strip() != header.name:
            return refused("Type the experiment's exact name to delete it.")
        study_names = queries.delete_experiment(session, access.experiment_id)
    queries.delete_studies(services.database(), study_names)
    return components.message("Deleted.", "success"), app_path("/experiments")


def register_settings(app: dash.Dash) -> None:
    """Only owners rename or delete the experiment."""
    owner = guard.experiment(Role.owner, "experiment_id")
    guard.guarded_callback(
        app,
        requires=owner,
        output=action_outputs(ids.settings_feedback, ids.refresh),
        inputs={"clicks": Input(ids.rename_button, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "name": State(ids.rename_input, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(rename)
    guard.guarded_callback(
        app,
        requires=owner,
        output=[
            Output(ids.settings_feedback, "children", allow_duplicate=True),
            Output(ids.redirect, "href"),
        ],
        inputs={"clicks": Input(ids.delete_button, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "confirm": State(ids.delete_confirm, "value"),
        },
        prevent_initial_call=True,
    )(delete)
