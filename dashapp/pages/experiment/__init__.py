"""Experiment page (/experiments/<experiment_id>): runs, data, members, share links, settings.

The layout carries only the id from the URL; every callback checks the user's role on that id
(viewers read, owners manage). Members and share links live in ``_experiment_members.py`` and
``_experiment_sharing.py``.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard, queries, services
from dashapp.components import buttons
from dashapp.components.notes import NoteIds, notes_card, register_notes
from dashapp.guard import Access, Denial
from dashapp.pages.experiment import members as _experiment_members
from dashapp.pages.experiment import sharing as _experiment_sharing
from dashapp.pages.experiment.data import data_card, register_data_callbacks
from dashapp.pages.experiment.ids import ids
from dashapp.pages.experiment.report import register_report_callbacks, report_menu
from dashapp.permissions import Role, parse_id
from optunagui.store import experiments as experiment_store
from optunagui.store.errors import NotFound

__all__ = ["ids", "layout", "register"]

HIDDEN = {"display": "none"}
NOTE_IDS = NoteIds("experiment")
SHOWN: dict[str, str] = {}
NOT_AVAILABLE = "This experiment does not exist, or you have no access to it."
COMPARE_RUNS = "experiment-compare-runs"
COMPARE_LINK = "experiment-compare-link"
COMPARE_BOX = "experiment-compare"
BASELINE_FEEDBACK = "experiment-baseline-feedback"

# The "Compare selected" link follows the ticked runs in the browser (no server round trip).
COMPARE_HREF = """
function(selected, options) {
    var ids = (selected || []).slice().sort(function(a, b) { return a - b; });
    var show = (options || []).length > 1 ? {} : {"display": "none"};
    var href = ids.length ? "/compare?runs=" + ids.join(",") : "/compare";
    var link = ids.length > 1 ? "btn btn-sm btn-outline-primary"
                              : "btn btn-sm btn-outline-primary disabled";
    return [href, link, show];
}
"""


def _card(title: str, body: list[Any], card_id: str, hidden: bool = False) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(title), dbc.CardBody(body)],
        id=card_id,
        class_name="mb-3",
        style=HIDDEN if hidden else None,
    )


def layout(experiment_id: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.experiment, data=experiment_id),
            dcc.Store(id=ids.refresh, data=0),
            dcc.Interval(id=ids.poll, interval=15_000),
            dcc.Location(id=ids.redirect, refresh=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(id=ids.title, className="mb-1"),
                            html.Span(id=ids.role, className="me-2"),
                            html.Span(id=ids.description, className="text-muted"),
                            report_menu(),
                        ],
                        className="mb-3",
                    ),
                    _card(
                        "Runs",
                        [
                            dcc.Link(
                                dbc.Button("New run", color="primary", size="sm"),
                                href=f"/experiments/{parse_id(experiment_id) or ''}/new-run",
                                id=ids.new_run,
                                className="mb-2 d-inline-block",
                                style=HIDDEN,
                            ),
                            html.Div(id=BASELINE_FEEDBACK),
                            html.Div(id=ids.runs),
                            _compare_box(),
                        ],
                        "experiment-runs-card",
                    ),
                    data_card(),
                    notes_card(NOTE_IDS, trials=False),
                    _card("Members", _experiment_members.body(), "experiment-members-card"),
                    _card("Share links", _experiment_sharing.body(), ids.share_card, True),
                    _card("Settings", _settings_body(), ids.settings_card, True),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def _compare_box() -> html.Div:
    return html.Div(
        [
            html.Span("Compare: ", className="small text-muted me-2"),
            dcc.Checklist(
                id=COMPARE_RUNS,
                options=[],
                value=[],
                inline=True,
                className="d-inline small",
                inputClassName="me-1",
                labelClassName="me-3",
            ),
            dcc.Link("Compare selected", href="/compare", id=COMPARE_LINK,
                     className="btn btn-sm btn-outline-primary disabled"),
        ],
        id=COMPARE_BOX,
        className="mt-2",
        style=HIDDEN,
    )


def _settings_body() -> list[Any]:
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


def _denied(_denial: Denial) -> tuple[Any, ...]:
    return (
        components.message(NOT_AVAILABLE, "warning", id="experiment-not-available"),
        HIDDEN,
        "",
        "",
        "",
        None,
        HIDDEN,
        HIDDEN,
        HIDDEN,
        HIDDEN,
        [],
    )


def _set_baseline(experiment_id: Any, run_id: int, action: Any) -> Any:
    """Pin the run as the experiment's baseline, or unpin it if it is the baseline."""
    if action not in ("pin", "unpin"):
        raise dash.exceptions.PreventUpdate
    with services.database().session() as session:
        experiment = experiment_store.get_experiment(session, experiment_id)
        if experiment is None:
            raise dash.exceptions.PreventUpdate
        if action == "unpin":
            if experiment.baseline_run_id != run_id:
                return components.message(f"Run #{run_id} is not the baseline.", "warning")
            experiment_store.set_baseline_run(session, experiment_id, None)
            return components.message(f"Run #{run_id} is no longer the baseline.", "success")
        try:
            experiment_store.set_baseline_run(session, experiment_id, run_id)
        except (NotFound, ValueError):
            return components.message(f"Run #{run_id} is not a run of this experiment.",
                                      "danger")
    return components.message(
        f"Run #{run_id} is now the baseline: comparisons of this experiment's runs include it.",
        "success")


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/experiments/<experiment_id>",
        name="Experiment",
        title="Experiment · OptunaGui",
        layout=layout,
    )

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=[
            Output(ids.denied, "children"),
            Output(ids.body, "style"),
            Output(ids.title, "children"),
            Output(ids.role, "children"),
            Output(ids.description, "children"),
            Output(ids.runs, "children"),
            Output(ids.manage_members, "style"),
            Output(ids.share_card, "style"),
            Output(ids.settings_card, "style"),
            Output(ids.new_run, "style"),
            Output(COMPARE_RUNS, "options"),
        ],
        inputs={"refresh": Input(ids.refresh, "data"), "poll": Input(ids.poll, "n_intervals")},
        state={"experiment_id": State(ids.experiment, "data")},
        on_denied=_denied,
    )
    def show_experiment(access: Access, refresh: Any, poll: Any, experiment_id: Any) -> Any:
        with services.database().session() as session:
            header = queries.get_experiment_header(session, access.experiment_id)
            runs = queries.list_run_rows(session, access.experiment_id)
            found = experiment_store.get_experiment(session, access.experiment_id)
            baseline_id = found.baseline_run_id if found is not None else None
        if header is None:
            return _denied(Denial("not-found"))
        owner = SHOWN if access.role is not None and access.role >= Role.owner else HIDDEN
        editor = access.role is not None and access.role >= Role.editor
        clone_into = access.experiment_id if editor else None
        return (
            None,
            SHOWN,
            header.name,
            components.role_badge(access.role.name if access.role else None),
            header.description,
            components.runs_table(runs, link_runs=True, clone_into=clone_into,
                                  baseline_id=baseline_id, can_pin=editor),
            owner,
            owner,
            owner,
            SHOWN if editor else HIDDEN,
            [{"label": f"#{run.id} {run.name}", "value": run.id} for run in runs],
        )

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=[
            Output(ids.settings_feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
        ],
        inputs={"clicks": Input(ids.rename_button, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "name": State(ids.rename_input, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def rename(access: Access, clicks: Any, experiment_id: Any, name: Any, refresh: Any) -> Any:
        problem = queries.check_name(name, "An experiment", queries.MAX_EXPERIMENT_NAME)
        if problem:
            return components.message(problem, "danger"), dash.no_update
        with services.database().session() as session:
            queries.rename_experiment(session, access.experiment_id, name)
        return components.message("Renamed.", "success"), buttons.bump(refresh)

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
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
    )
    def delete(access: Access, clicks: Any, experiment_id: Any, confirm: Any) -> Any:
        with services.database().session() as session:
            header = queries.get_experiment_header(session, access.experiment_id)
            if header is None or not isinstance(confirm, str) or confirm.strip() != header.name:
                text = "Type the experiment's exact name to delete it."
                return components.message(text, "danger"), dash.no_update
            study_names = queries.delete_experiment(session, access.experiment_id)
        queries.delete_studies(services.database(), study_names)
        return components.message("Deleted.", "success"), "/experiments"

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.editor, "experiment_id"),
        output=[
            Output(BASELINE_FEEDBACK, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
        ],
        inputs={"clicks": Input({"type": components.BASELINE_BUTTON, "run": ALL,
                                 "action": ALL}, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def pin_baseline(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
        run_id = buttons.clicked_id(clicks, "run")
        action = ctx.triggered_id.get("action")
        return _set_baseline(access.experiment_id, run_id, action), buttons.bump(refresh)

    app.clientside_callback(
        COMPARE_HREF,
        Output(COMPARE_LINK, "href"),
        Output(COMPARE_LINK, "className"),
        Output(COMPARE_BOX, "style"),
        Input(COMPARE_RUNS, "value"),
        Input(COMPARE_RUNS, "options"),
    )
    _experiment_members.register_callbacks(app)
    _experiment_sharing.register_callbacks(app)
    register_report_callbacks(app)
    register_data_callbacks(app)
    register_notes(app, NOTE_IDS, scope="experiment", source_id=ids.experiment)
