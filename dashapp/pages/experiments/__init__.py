"""Experiments list (/experiments): what the user can see, with their role, last run and best score;
create a new experiment; search by name."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, queries, services
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.paths import app_path

__all__ = ["create_experiment", "ids", "layout", "register", "show_experiments"]

MAX_SEARCH = 200


class ids:
    refresh = "experiments-refresh"
    list_table = "experiments-list-table"
    search = "experiments-search"
    table = "experiments-table"
    create_name = "experiments-create-name"
    create_button = "experiments-create-button"
    create_feedback = "experiments-create-feedback"
    created_new_run = "experiments-created-new-run"


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.refresh, data=0),
            html.H2("Experiments", className="mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Input(
                            id=ids.search,
                            type="search",
                            placeholder="Filter by name",
                            debounce=True,
                            maxLength=MAX_SEARCH,
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.InputGroup(
                            [
                                dbc.Input(
                                    id=ids.create_name,
                                    placeholder="New experiment name",
                                    maxLength=queries.MAX_EXPERIMENT_NAME,
                                ),
                                dbc.Button("Create", id=ids.create_button, color="primary"),
                            ]
                        ),
                        md={"size": 5, "offset": 3},
                    ),
                ],
                class_name="mb-3",
            ),
            html.Div(id=ids.create_feedback),
            html.Div(id=ids.table),
        ]
    )


def _bests(bests: tuple[tuple[str, float], ...]) -> Any:
    if not bests:
        return "—"
    return html.Div([html.Div(f"{metric} {components.format_value(value)}")
                     for metric, value in bests])


def _experiments_table(rows: list[queries.ExperimentRow]) -> Any:
    if not rows:
        return components.empty_note("No experiments to show.")
    return components.table(
        ["Experiment", "Your role", "Runs", "Last run", "Best (per metric)", "Updated"],
        [
            [
                dcc.Link(row.name, href=app_path(f"/experiments/{row.id}")),
                components.role_badge(row.role),
                str(row.n_runs),
                components.status_badge(row.last_status),
                _bests(row.bests),
                components.format_time(row.updated_at),
            ]
            for row in rows
        ],
        id=ids.list_table,
    )


def show_experiments(access: Access, refresh: Any, search: Any) -> Any:
    text = search if isinstance(search, str) else ""
    with services.database().session() as session:
        rows = queries.list_experiment_rows(session, access.principal, search=text[:MAX_SEARCH])
    return _experiments_table(rows)


def create_experiment(access: Access, clicks: Any, name: Any, refresh: Any) -> Any:
    problem = queries.check_name(name, "An experiment", queries.MAX_EXPERIMENT_NAME)
    if problem:
        return refused(problem, 3)
    with services.database().session() as session:
        experiment_id = queries.create_experiment(session, name, access.principal)
    created = html.Span(
        [
            "Created ",
            dcc.Link(name.strip(), href=app_path(f"/experiments/{experiment_id}")),
            ". ",
            dcc.Link(
                "Set up its first run",
                href=app_path(f"/experiments/{experiment_id}/new-run"),
                id=ids.created_new_run,
            ),
            ".",
        ]
    )
    return done(created, refresh, "")


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path="/experiments",
        name="Experiments",
        title="Experiments · OptunaGui",
        layout=layout,
        nav_label="Experiments",
        nav_order=10,
    )
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=Output(ids.table, "children"),
        inputs={"refresh": Input(ids.refresh, "data"), "search": Input(ids.search, "value")},
    )(show_experiments)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=action_outputs(ids.create_feedback, ids.refresh, ids.create_name),
        inputs={"clicks": Input(ids.create_button, "n_clicks")},
        state={"name": State(ids.create_name, "value"), "refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(create_experiment)
