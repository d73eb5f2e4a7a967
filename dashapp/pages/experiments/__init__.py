"""Experiments list (/experiments): what the user can see, with their role, last run and best score;
create a new experiment; search by name."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, queries, services
from dashapp.components import buttons
from dashapp.guard import Access

__all__ = ["ids", "layout", "register"]


class ids:
    refresh = "experiments-refresh"
    search = "experiments-search"
    table = "experiments-table"
    create_name = "experiments-create-name"
    create_button = "experiments-create-button"
    create_feedback = "experiments-create-feedback"


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
                            maxLength=200,
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.InputGroup(
                            [
                                dbc.Input(
                                    id=ids.create_name,
                                    placeholder="New experiment name",
                                    maxLength=200,
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


def _experiments_table(rows: list[queries.ExperimentRow]) -> Any:
    if not rows:
        return components.empty_note("No experiments to show.")
    return components.table(
        ["Experiment", "Your role", "Runs", "Last run", "Best value", "Updated"],
        [
            [
                dcc.Link(row.name, href=f"/experiments/{row.id}"),
                components.role_badge(row.role),
                str(row.n_runs),
                components.status_badge(row.last_status),
                components.format_value(row.best_value),
                components.format_time(row.updated_at),
            ]
            for row in rows
        ],
        id="experiments-list-table",
    )


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

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=Output(ids.table, "children"),
        inputs={"refresh": Input(ids.refresh, "data"), "search": Input(ids.search, "value")},
    )
    def show_experiments(access: Access, refresh: Any, search: Any) -> Any:
        text = search if isinstance(search, str) else ""
        with services.database().session() as session:
            rows = queries.list_experiment_rows(session, access.principal, search=text[:200])
        return _experiments_table(rows)

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[
            Output(ids.create_feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
            Output(ids.create_name, "value"),
        ],
        inputs={"clicks": Input(ids.create_button, "n_clicks")},
        state={"name": State(ids.create_name, "value"), "refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )
    def create_experiment(access: Access, clicks: Any, name: Any, refresh: Any) -> Any:
        problem = queries.check_name(name, "An experiment", queries.MAX_EXPERIMENT_NAME)
        if problem:
            return components.message(problem, "danger"), dash.no_update, dash.no_update
        with services.database().session() as session:
            experiment_id = queries.create_experiment(session, name, access.principal)
        created = html.Span(
            [
                "Created ",
                dcc.Link(name.strip(), href=f"/experiments/{experiment_id}"),
                ". ",
                dcc.Link(
                    "Set up its first run",
                    href=f"/experiments/{experiment_id}/new-run",
                    id="experiments-created-new-run",
                ),
                ".",
            ]
        )
        return components.message(created, "success"), buttons.bump(refresh), ""
