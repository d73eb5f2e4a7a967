"""Run analysis page (/runs/<run_id>/analysis): parameter space, importance, diagnosis, Pareto
and the feature impact of the best trial.

The layout holds only the id from the URL. Each tab's callback checks the user's role on the
run's experiment (viewers read), reads the run's frame from the app's ``FrameCache`` (a run
that has not changed is not read again) and draws only when its tab is open. Every figure has
a "Download HTML" button: the server draws the figure again for the checked run and sends it
as one self-contained HTML page.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.analysis_state import load_run_frame
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_button, html_download
from dashapp.guard import Access, Denial
from dashapp.pages.analysis.advice import register_advice_callbacks
from dashapp.pages.analysis.features import features_tab, features_view, rerun_link
from dashapp.pages.analysis.figures import TITLES, build_figure, default_axes
from dashapp.pages.analysis.ids import (
    ALL_PARAMS_FIGURES,
    AXES_FIGURES,
    DIAGNOSIS_FIGURES,
    FEATURE_FIGURES,
    FIGURES,
    ids,
)
from dashapp.pages.analysis.importance import METHODS, importance_view
from dashapp.pages.analysis.tradeoff import register_tradeoff_callbacks, tradeoff_tab
from dashapp.permissions import Role
from optunagui.store import runs as run_store

__all__ = ["ids", "layout", "register"]

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}
NOT_AVAILABLE = "This run does not exist, or you have no access to it."
IMPORTANCE_POLL_MS = 2000


def _figure_card(name: str, text_id: str | None = None, height: str | None = None) -> dbc.Card:
    body: list[Any] = []
    if text_id is not None:
        body.append(html.Div(id=text_id, className="small mb-2"))
    body.append(
        dcc.Loading(
            dcc.Graph(
                id=ids.graph(name),
                figure={"data": [], "layout": {}},
                config={"displaylogo": False},
                style={"height": height} if height else None,
            )
        )
    )
    body.append(download_button(ids.download_button, name))
    return dbc.Card([dbc.CardHeader(TITLES[name]), dbc.CardBody(body)], class_name="mb-3")


def _dropdown(component_id: str, label: str, **kwargs: Any) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=component_id, class_name="small mb-0"),
         dcc.Dropdown(id=component_id, clearable=False, **kwargs)],
        md=3,
    )


def _params_tab() -> list[Any]:
    return [
        dbc.Row(
            [_dropdown(ids.x_param, "X parameter"), _dropdown(ids.y_param, "Y parameter")],
            class_name="mb-3",
        ),
        dbc.Row(
            [dbc.Col(_figure_card("scatter"), lg=6), dbc.Col(_figure_card("contour"), lg=6)]
        ),
        _figure_card("parallel"),
        _figure_card("slice"),
        _figure_card("history"),
    ]


def _importance_tab() -> list[Any]:
    return [
        dcc.Interval(id=ids.importance_poll, interval=IMPORTANCE_POLL_MS, disabled=True),
        dbc.Row(
            dbc.Col(
                dbc.RadioItems(id=ids.method, options=METHODS, value="fanova", inline=True),
                md=6,
            ),
            class_name="mb-2",
        ),
        _figure_card("importance", ids.importance_note),
        dbc.Card(
            [dbc.CardHeader("Refinement advice"), dbc.CardBody(html.Div(id=ids.advice))],
            class_name="mb-3",
        ),
    ]


def _diagnosis_tab() -> list[Any]:
    verdicts = {
        "convergence": ids.convergence_verdict,
        "exploration": ids.exploration_verdict,
        "pruning": ids.pruning_verdict,
        "workers": ids.workers_verdict,
    }
    cards = [dbc.Col(_figure_card(name, verdicts[name]), lg=6) for name in DIAGNOSIS_FIGURES]
    return [dbc.Row(cards[:2]), dbc.Row(cards[2:])]


def layout(run_id: str | None = None, **_query: Any) -> html.Div:
    tabs = dbc.Tabs(
        [
            dbc.Tab(_params_tab(), label="Parameter space", tab_id="params"),
            dbc.Tab(_importance_tab(), label="Importance", tab_id="importance"),
            dbc.Tab(_diagnosis_tab(), label="Diagnosis", tab_id="diagnosis"),
            dbc.Tab(features_tab(_figure_card), label="Features", tab_id="features"),
            dbc.Tab(tradeoff_tab(), label="Trade-offs", tab_id="tradeoffs"),
            dbc.Tab(
                [html.Div(id=ids.pareto_note, className="small mb-2"), _figure_card("pareto")],
                label="Pareto",
                tab_id="pareto",
                id=ids.pareto_tab,
                tab_style=HIDDEN,
            ),
        ],
        id=ids.tabs,
        active_tab="params",
        class_name="mb-3",
    )
    return html.Div(
        [
            dcc.Store(id=ids.run, data=run_id),
            dcc.Download(id=ids.download),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(id=ids.title, className="mb-1 d-inline me-3"),
                            html.Span(id=ids.links),
                        ],
                        className="mb-2",
                    ),
                    html.Div(id=ids.summary, className="text-muted small mb-2"),
                    dbc.Row(_dropdown(ids.objective, "Objective"), class_name="mb-3"),
                    tabs,
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


SHOW_OUTPUTS = [
    Output(ids.denied, "children"),
    Output(ids.body, "style"),
    Output(ids.title, "children"),
    Output(ids.links, "children"),
    Output(ids.summary, "children"),
    Output(ids.objective, "options"),
    Output(ids.objective, "value"),
    Output(ids.x_param, "options"),
    Output(ids.y_param, "options"),
    Output(ids.x_param, "value"),
    Output(ids.y_param, "value"),
    Output(ids.pareto_tab, "tab_style"),
]


def _denied(_denial: Denial) -> tuple[Any, ...]:
    message = components.message(NOT_AVAILABLE, "warning", id="analysis-not-available")
    return (message, HIDDEN, *([dash.no_update] * (len(SHOW_OUTPUTS) - 2)))


def _summary(frame: Any) -> str:
    counts = {state: int(frame.state_mask(state).sum()) for state in ("complete", "pruned",
                                                                       "failed", "running")}
    return (f"{frame.n_trials} trials: {counts['complete']} complete, {counts['pruned']} pruned, "
            f"{counts['failed']} failed, {counts['running']} running.")


def _options(names: Any) -> list[dict[str, str]]:
    return [{"label": name, "value": name} for name in names]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/runs/<run_id>/analysis",
        name="Run analysis",
        title="Run analysis · OptunaGui",
        layout=layout,
    )

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=SHOW_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data")},
        on_denied=_denied,
    )
    def show_analysis(access: Access, run_id: Any) -> Any:
        with services.database().session() as session:
            run = run_store.get_run(session, access.run_id)
            name = run.name if run is not None else None
            quick = run is not None and bool((run.spec or {}).get("quick"))
        if name is None:
            return _denied(Denial("not-found"))
        frame = load_run_frame(access.run_id)
        x_param, y_param = default_axes(frame)
        links = [
            dcc.Link("Live view", href=f"/runs/{access.run_id}", className="me-3"),
            dcc.Link("Experiment", href=f"/experiments/{access.experiment_id}"),
        ]
        return (
            None,
            SHOWN,
            [f"{name} · analysis", components.quick_badge(id="analysis-quick-badge")]
            if quick else f"{name} · analysis",
            links,
            _summary(frame),
            _options(frame.metric_names),
            frame.metric_names[0],
            _options(frame.params),
            _options(frame.params),
            x_param,
            y_param,
            SHOWN if frame.n_objectives > 1 else HIDDEN,
        )

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[*(Output(ids.graph(name), "figure") for name in AXES_FIGURES)],
        inputs={
            "tab": Input(ids.tabs, "active_tab"),
            "objective": Input(ids.objective, "value"),
            "x_param": Input(ids.x_param, "value"),
            "y_param": Input(ids.y_param, "value"),
        },
        state={"run_id": State(ids.run, "data")},
    )
    def show_axes(access: Access, tab: Any, objective: Any, x_param: Any, y_param: Any,
                  run_id: Any) -> Any:
        if tab != "params":
            raise dash.exceptions.PreventUpdate
        frame = load_run_frame(access.run_id)
        return tuple(
            build_figure(name, access.run_id, frame, objective=objective, x=x_param,
                         y=y_param)[0]
            for name in AXES_FIGURES
        )

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[*(Output(ids.graph(name), "figure") for name in ALL_PARAMS_FIGURES)],
        inputs={"tab": Input(ids.tabs, "active_tab"), "objective": Input(ids.objective, "value")},
        state={"run_id": State(ids.run, "data")},
    )
    def show_all_params(access: Access, tab: Any, objective: Any, run_id: Any) -> Any:
        if tab != "params":
            raise dash.exceptions.PreventUpdate
        frame = load_run_frame(access.run_id)
        return tuple(build_figure(name, access.run_id, frame, objective=objective)[0]
                     for name in ALL_PARAMS_FIGURES)

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            Output(ids.graph("importance"), "figure"),
            Output(ids.importance_note, "children"),
            Output(ids.advice, "children"),
            Output(ids.importance_poll, "disabled"),
        ],
        inputs={
            "tab": Input(ids.tabs, "active_tab"),
            "objective": Input(ids.objective, "value"),
            "method": Input(ids.method, "value"),
            "tick": Input(ids.importance_poll, "n_intervals"),
        },
        state={"run_id": State(ids.run, "data")},
    )
    def show_importance(access: Access, tab: Any, objective: Any, method: Any, tick: Any,
                        run_id: Any) -> Any:
        if tab != "importance":
            raise dash.exceptions.PreventUpdate
        return importance_view(access.run_id, load_run_frame(access.run_id), objective, method,
                               access=access)

    verdict_ids = [ids.convergence_verdict, ids.exploration_verdict, ids.pruning_verdict,
                   ids.workers_verdict]

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            *(Output(ids.graph(name), "figure") for name in DIAGNOSIS_FIGURES),
            *(Output(verdict, "children") for verdict in verdict_ids),
        ],
        inputs={"tab": Input(ids.tabs, "active_tab"), "objective": Input(ids.objective, "value")},
        state={"run_id": State(ids.run, "data")},
    )
    def show_diagnosis(access: Access, tab: Any, objective: Any, run_id: Any) -> Any:
        if tab != "diagnosis":
            raise dash.exceptions.PreventUpdate
        frame = load_run_frame(access.run_id)
        built = [build_figure(name, access.run_id, frame, objective=objective)
                 for name in DIAGNOSIS_FIGURES]
        return (*(fig for fig, _ in built), *(text for _, text in built))

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[Output(ids.graph("pareto"), "figure"), Output(ids.pareto_note, "children")],
        inputs={"tab": Input(ids.tabs, "active_tab")},
        state={"run_id": State(ids.run, "data")},
    )
    def show_pareto(access: Access, tab: Any, run_id: Any) -> Any:
        if tab != "pareto":
            raise dash.exceptions.PreventUpdate
        return build_figure("pareto", access.run_id, load_run_frame(access.run_id))

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            *(Output(ids.graph(name), "figure") for name in FEATURE_FIGURES),
            Output(ids.features_note, "children"),
            Output(ids.features_poll, "disabled"),
            Output(ids.features_drop, "options"),
            Output(ids.features_rerun, "style"),
        ],
        inputs={"tab": Input(ids.tabs, "active_tab"),
                "tick": Input(ids.features_poll, "n_intervals")},
        state={"run_id": State(ids.run, "data")},
    )
    def show_features(access: Access, tab: Any, tick: Any, run_id: Any) -> Any:
        if tab != "features":
            raise dash.exceptions.PreventUpdate
        return features_view(access)

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[
            Output(ids.features_link, "href"),
            Output(ids.features_link, "style"),
            Output(ids.features_hint, "children"),
        ],
        inputs={"drop": Input(ids.features_drop, "value")},
        state={"run_id": State(ids.run, "data")},
    )
    def show_rerun_link(access: Access, drop: Any, run_id: Any) -> Any:
        return rerun_link(access, drop)

    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.download, "data"),
        inputs={"clicks": Input({"type": ids.download_button, "figure": ALL}, "n_clicks")},
        state={
            "run_id": State(ids.run, "data"),
            "objective": State(ids.objective, "value"),
            "x_param": State(ids.x_param, "value"),
            "y_param": State(ids.y_param, "value"),
            "method": State(ids.method, "value"),
        },
        prevent_initial_call=True,
    )
    def download(access: Access, clicks: Any, run_id: Any, objective: Any, x_param: Any,
                 y_param: Any, method: Any) -> Any:
        name = clicked_choice(clicks, "figure", FIGURES)
        frame = load_run_frame(access.run_id)
        fig, _ = build_figure(name, access.run_id, frame, objective=objective, x=x_param,
                              y=y_param, method=method)
        title = f"Run {access.run_id} · {TITLES[name]}"
        return html_download(fig, f"run-{access.run_id}-{name}", title)

    register_tradeoff_callbacks(app)
    register_advice_callbacks(app)
