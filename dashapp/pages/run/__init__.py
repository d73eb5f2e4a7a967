"""Live run page (/runs/<run_id>): header, live views, trials table and controls.

The first render reads the run once (``dashapp.pages.run.live.load_snapshot``) and builds every
view; then a ``dcc.Interval`` polls about once a second: each poll reads only the events after the
cursor kept in the browser (``run-live-state``) and appends them to the views with
``dash.Patch`` and an ag-grid row transaction. Polling stops once the run has finished and
every event is shown. The layout holds only the id from the URL; every callback checks the
user's role on the run's experiment (viewers read; editors and owners control).
"""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.components.notes import NoteIds, notes_card, register_notes
from dashapp.guard import Access, Denial
from dashapp.pages.run.controls import controls_card, register_control_callbacks
from dashapp.pages.run.exports import exports_menu, register_export_callbacks
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live import build_views, load_scatter, load_snapshot
from dashapp.pages.run.live.reads import load_trials_by_number
from dashapp.pages.run.model_versions import models_card, register_model_callbacks
from dashapp.pages.run.poll import (
    FINISHED,
    HIDDEN,
    SHOWN,
    clock,
    header,
    is_editor,
    poll_outputs,
    trial_detail,
)
from dashapp.pages.run.ranges import ranges_form
from dashapp.pages.run.replay import register_replay_callbacks, replay_button, replay_slots
from dashapp.permissions import Role

__all__ = ["ids", "layout", "register"]

POLL_MS = 1000
NOTE_IDS = NoteIds("run")
NOT_AVAILABLE = "This run does not exist, or you have no access to it."

# Elapsed time ticks in the browser, from the run's start (and end) times the server sent.
SHOW_ELAPSED = """
function(n, clock) {
    if (!clock || !clock.started) { return "—"; }
    var end = clock.finished ? Date.parse(clock.finished) : Date.now();
    var s = Math.max(0, Math.round((end - Date.parse(clock.started)) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var pad = function(x) { return (x < 10 ? "0" : "") + x; };
    if (h) { return h + " h " + pad(m) + " min"; }
    if (m) { return m + " min " + pad(r) + " s"; }
    return r + " s";
}
"""


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, figure={"data": [], "layout": {}}, config={"displaylogo": False})


def _card(title: str, body: list[Any], **kwargs: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], class_name="mb-3", **kwargs)


def layout(run_id: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.run, data=run_id),
            dcc.Store(id=ids.state, data=None),
            dcc.Store(id=ids.clock, data=None),
            dcc.Store(id=ids.scatter_axes, data=None),
            dcc.Interval(id=ids.poll, interval=POLL_MS, disabled=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(id=ids.title, className="mb-1 d-inline me-3"),
                            html.Span(id=ids.links),
                            exports_menu(),
                            replay_slots(),
                        ],
                        className="mb-2",
                    ),
                    _card(
                        "Progress",
                        [
                            html.Div(
                                ["Elapsed: ", html.Span("—", id=ids.elapsed)],
                                className="small text-muted mb-2",
                            ),
                            html.Div(id=ids.header),
                        ],
                    ),
                    controls_card(),
                    dbc.Row(
                        [
                            dbc.Col(_card("Optimization history", [_graph(ids.history)]), lg=6),
                            dbc.Col(
                                _card("Intermediate values (recent trials)", [_graph(ids.curves)]),
                                lg=6,
                            ),
                        ]
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                _card(
                                    "Parameter space",
                                    [
                                        dbc.Row(
                                            [
                                                dbc.Col(dcc.Dropdown(id=ids.scatter_x,
                                                                     clearable=False)),
                                                dbc.Col(dcc.Dropdown(id=ids.scatter_y,
                                                                     clearable=False)),
                                            ],
                                            class_name="mb-2",
                                        ),
                                        _graph(ids.scatter),
                                    ],
                                ),
                                lg=6,
                            ),
                            dbc.Col(_card("Trials per worker", [_graph(ids.timeline)]), lg=6),
                        ]
                    ),
                    _card(
                        "Trials",
                        [
                            dag.AgGrid(
                                id=ids.grid,
                                rowData=[],
                                columnDefs=[],
                                getRowId="params.data.id",
                                defaultColDef={"sortable": True, "resizable": True},
                                dashGridOptions={
                                    "pagination": True,
                                    "paginationPageSize": 50,
                                    "tooltipShowDelay": 300,
                                    "animateRows": False,
                                },
                                style={"height": "480px"},
                            ),
                            html.Div(id=ids.detail, className="mt-2"),
                        ],
                    ),
                    models_card(),
                    notes_card(NOTE_IDS, trials=True),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


FIRST_OUTPUTS = [
    Output(ids.denied, "children"),
    Output(ids.body, "style"),
    Output(ids.title, "children"),
    Output(ids.links, "children"),
    Output(ids.header, "children"),
    Output(ids.controls, "style"),
    Output(ids.ranges_form, "children"),
    Output(ids.history, "figure"),
    Output(ids.curves, "figure"),
    Output(ids.scatter, "figure"),
    Output(ids.timeline, "figure"),
    Output(ids.scatter_x, "options"),
    Output(ids.scatter_y, "options"),
    Output(ids.scatter_x, "value"),
    Output(ids.scatter_y, "value"),
    Output(ids.grid, "rowData"),
    Output(ids.grid, "columnDefs"),
    Output(ids.state, "data"),
    Output(ids.clock, "data"),
    Output(ids.scatter_axes, "data"),
    Output(ids.poll, "disabled"),
]


def _denied(_denial: Denial) -> tuple[Any, ...]:
    message = components.message(NOT_AVAILABLE, "warning", id="run-not-available")
    return (message, HIDDEN, *([dash.no_update] * (len(FIRST_OUTPUTS) - 3)), True)


def _links(access: Access, run: Any) -> list[Any]:
    links: list[Any] = [
        dcc.Link("Experiment", href=f"/experiments/{run.experiment_id}", className="me-3"),
        dcc.Link(
            "Analysis", href=f"/runs/{run.id}/analysis", className="me-3", id="run-analysis-link"
        ),
    ]
    if access.role is not None and access.role >= Role.editor:
        links.append(
            dcc.Link(
                "Re-run with one change",
                href=f"/experiments/{run.experiment_id}/new-run?clone={run.id}",
                id="run-rerun-link",
            )
        )
        links.append(replay_button())
    return links


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/runs/<run_id>",
        name="Run",
        title="Run · OptunaGui",
        layout=layout,
    )
    app.clientside_callback(
        SHOW_ELAPSED,
        Output(ids.elapsed, "children"),
        Input(ids.poll, "n_intervals"),
        Input(ids.clock, "data"),
    )

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=FIRST_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data")},
        on_denied=_denied,
    )
    def show_run(access: Access, run_id: Any) -> Any:
        snapshot = load_snapshot(services.database(), access.run_id)
        if snapshot is None:
            return _denied(Denial("not-found"))
        views = build_views(snapshot)
        run = snapshot.run
        options = [{"label": name, "value": name} for name in views.params]
        editor = is_editor(access)
        return (
            None,
            SHOWN,
            run.name,
            _links(access, run),
            header(run, snapshot.counts, views.state),
            SHOWN if editor and run.status not in FINISHED else HIDDEN,
            ranges_form(run.space) if editor else None,
            views.history,
            views.curves,
            views.scatter,
            views.timeline,
            options,
            options,
            views.x_param,
            views.y_param,
            views.rows,
            views.columns,
            views.state.to_data(),
            clock(run),
            views.axes,
            run.status in FINISHED,
        )

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            Output(ids.history, "figure", allow_duplicate=True),
            Output(ids.curves, "figure", allow_duplicate=True),
            Output(ids.scatter, "figure", allow_duplicate=True),
            Output(ids.timeline, "figure", allow_duplicate=True),
            Output(ids.grid, "rowTransaction"),
            Output(ids.grid, "columnDefs", allow_duplicate=True),
            Output(ids.header, "children", allow_duplicate=True),
            Output(ids.controls, "style", allow_duplicate=True),
            Output(ids.ranges_form, "children", allow_duplicate=True),
            Output(ids.state, "data", allow_duplicate=True),
            Output(ids.clock, "data", allow_duplicate=True),
            Output(ids.poll, "disabled", allow_duplicate=True),
        ],
        inputs={"tick": Input(ids.poll, "n_intervals")},
        state={
            "run_id": State(ids.run, "data"),
            "live": State(ids.state, "data"),
            "x_param": State(ids.scatter_x, "value"),
            "y_param": State(ids.scatter_y, "value"),
        },
        prevent_initial_call=True,
    )
    def poll(access: Access, tick: Any, run_id: Any, live: Any, x_param: Any, y_param: Any):
        return poll_outputs(access, live, x_param, y_param)

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            Output(ids.scatter, "figure", allow_duplicate=True),
            Output(ids.scatter_axes, "data", allow_duplicate=True),
        ],
        inputs={"x_param": Input(ids.scatter_x, "value"), "y_param": Input(ids.scatter_y, "value")},
        state={"run_id": State(ids.run, "data"), "shown": State(ids.scatter_axes, "data")},
        prevent_initial_call=True,
    )
    def choose_axes(access: Access, x_param: Any, y_param: Any, run_id: Any, shown: Any) -> Any:
        if not isinstance(x_param, str) or not isinstance(y_param, str):
            raise dash.exceptions.PreventUpdate
        if shown == [x_param, y_param]:
            raise dash.exceptions.PreventUpdate  # the first render drew these axes already
        figure = load_scatter(services.database(), access.run_id, x_param, y_param)
        if figure is None:
            raise dash.exceptions.PreventUpdate
        return figure, [x_param, y_param]

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.detail, "children"),
        inputs={"clicked": Input(ids.grid, "cellClicked")},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )
    def show_trial(access: Access, clicked: Any, run_id: Any) -> Any:
        row_id = clicked.get("rowId") if isinstance(clicked, dict) else None
        number = int(row_id) if isinstance(row_id, str) and row_id.isdigit() and len(
            row_id) < 10 else None
        if number is None:
            raise dash.exceptions.PreventUpdate
        with services.database().session() as session:
            found = load_trials_by_number(session, access.run_id, [number]).get(number)
        return trial_detail(found)

    register_control_callbacks(app)
    register_export_callbacks(app)
    register_model_callbacks(app)
    register_replay_callbacks(app)
    register_notes(app, NOTE_IDS, scope="run", source_id=ids.run)
