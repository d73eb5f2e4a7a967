"""The analysis page's header: the checked run's name, links, trial counts and the choices
(objective, X and Y parameters) every tab draws with, with the figures of the tab the page
opens on (the parameter space) in the same answer; a refusal shows one message and nothing of
the run. A run of the user's own code is labelled with its entry point and has no
Features tab (the product cannot refit its model)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, dcc

from dashapp import components, guard, services
from dashapp.analysis_state import load_run_frame
from dashapp.code_runs import code_objective, has_builtin_model
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.code import code_label
from dashapp.guard import Access, Denial
from dashapp.pages.analysis.figure_tabs import all_params_figures, axes_figures
from dashapp.pages.analysis.figures import default_axes
from dashapp.pages.analysis.ids import ALL_PARAMS_FIGURES, AXES_FIGURES, ids
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.analysis import TrialFrame
from optunagui.store import runs as run_store

__all__ = ["NOT_AVAILABLE", "SHOW_OUTPUTS", "register_header_callbacks", "show_analysis"]

NOT_AVAILABLE = "This run does not exist, or you have no access to it."

SHOW_OUTPUTS = {
    "denied": Output(ids.denied, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "links": Output(ids.links, "children"),
    "summary": Output(ids.summary, "children"),
    "objective_options": Output(ids.objective, "options"),
    "objective": Output(ids.objective, "value"),
    "x_options": Output(ids.x_param, "options"),
    "y_options": Output(ids.y_param, "options"),
    "x_param": Output(ids.x_param, "value"),
    "y_param": Output(ids.y_param, "value"),
    "pareto_tab": Output(ids.pareto_tab, "tab_style"),
    "features_tab": Output(ids.features_tab, "tab_style"),
    **{name: Output(ids.graph(name), "figure") for name in (*AXES_FIGURES, *ALL_PARAMS_FIGURES)},
    "drawn_axes": Output(ids.drawn_axes, "data"),
    "drawn_params": Output(ids.drawn_params, "data"),
}


def _denied(_denial: Denial) -> dict[str, Any]:
    shown: dict[str, Any] = dict.fromkeys(SHOW_OUTPUTS, dash.no_update)
    shown["denied"] = components.message(NOT_AVAILABLE, "warning", id="analysis-not-available")
    shown["body"] = HIDDEN
    return shown


def _summary(frame: TrialFrame) -> str:
    counts = {state: int(frame.state_mask(state).sum()) for state in ("complete", "pruned",
                                                                       "failed", "running")}
    return (f"{frame.n_trials} trials: {counts['complete']} complete, {counts['pruned']} pruned, "
            f"{counts['failed']} failed, {counts['running']} running.")


def _options(names: Any) -> list[dict[str, str]]:
    return [{"label": name, "value": name} for name in names]


def _title(name: str, spec: Any) -> Any:
    title: list[Any] = [f"{name} · analysis"]
    if bool((spec or {}).get("quick")):
        title.append(components.quick_badge(id="analysis-quick-badge"))
    objective = code_objective(spec)
    if objective is not None:
        title.append(code_label(objective.function, id="analysis-code-label"))
    return title if len(title) > 1 else title[0]


def show_analysis(access: Access, run_id: Any) -> dict[str, Any]:
    with services.database().session() as session:
        run = run_store.get_run(session, access.run_id)
        name = run.name if run is not None else None
        spec = dict(run.spec or {}) if run is not None else {}
    if name is None:
        return _denied(Denial("not-found"))
    frame = load_run_frame(access.run_id)
    x_param, y_param = default_axes(frame)
    experiment_href = app_path(
        services.experiment_path(access.principal, access.experiment_id or 0))
    objective = frame.metric_names[0]
    opening_figures = dict(zip((*AXES_FIGURES, *ALL_PARAMS_FIGURES), (
        *axes_figures(access, frame, objective, x_param, y_param),
        *all_params_figures(access, frame, objective)), strict=True))
    return {
        **opening_figures,
        "drawn_axes": [objective, x_param, y_param],
        "drawn_params": [objective],
        "denied": None,
        "body": SHOWN,
        "title": _title(name, spec),
        "links": [
            dcc.Link("Live view", href=app_path(f"/runs/{access.run_id}"), className="me-3"),
            dcc.Link("Experiment", href=experiment_href),
        ],
        "summary": _summary(frame),
        "objective_options": _options(frame.metric_names),
        "objective": objective,
        "x_options": _options(frame.params),
        "y_options": _options(frame.params),
        "x_param": x_param,
        "y_param": y_param,
        "pareto_tab": SHOWN if frame.n_objectives > 1 else HIDDEN,
        "features_tab": SHOWN if has_builtin_model(spec) else HIDDEN,
    }


def register_header_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=SHOW_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data")},
        on_denied=_denied,
    )(show_analysis)
