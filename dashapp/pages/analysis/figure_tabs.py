"""The tabs that only draw figures of the run's frame: the parameter space, parallel
coordinates, the diagnosis and the Pareto front. Each draws when its tab is open, for the run
the guard checked.

The page opens on the parameter space, whose figures come with the header (``header``) in one
answer; each figure callback notes what its figures show (``ids.drawn_axes``,
``ids.drawn_params``) and draws again only for another objective or other axes, so the
header's setting of the pickers, or a return to the tab, redraws nothing."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import guard
from dashapp.analysis_state import load_run_frame
from dashapp.guard import Access
from dashapp.pages.analysis.figures import build_figure
from dashapp.pages.analysis.ids import ALL_PARAMS_FIGURES, AXES_FIGURES, DIAGNOSIS_FIGURES, ids
from dashapp.permissions import Role

__all__ = [
    "DIAGNOSIS_OUTPUTS",
    "all_params_figures",
    "axes_figures",
    "register_figure_tab_callbacks",
    "show_all_params",
    "show_axes",
    "show_diagnosis",
    "show_parallel",
    "show_pareto",
]

DIAGNOSIS_OUTPUTS = {
    **{f"{name}_figure": Output(ids.graph(name), "figure") for name in DIAGNOSIS_FIGURES},
    **{f"{name}_verdict": Output(ids.verdict(name), "children") for name in DIAGNOSIS_FIGURES},
}


def _only_on(tab: Any, wanted: str) -> None:
    if tab != wanted:
        raise dash.exceptions.PreventUpdate


def axes_figures(access: Access, frame: Any, objective: Any, x_param: Any, y_param: Any
                 ) -> list[Any]:
    """The scatter and contour of the chosen axes."""
    return [build_figure(name, access.run_id, frame, objective=objective, x=x_param,
                         y=y_param)[0] for name in AXES_FIGURES]


def all_params_figures(access: Access, frame: Any, objective: Any) -> list[Any]:
    """The slice and history of every parameter."""
    return [build_figure(name, access.run_id, frame, objective=objective)[0]
            for name in ALL_PARAMS_FIGURES]


def show_axes(access: Access, tab: Any, objective: Any, x_param: Any, y_param: Any,
              run_id: Any, drawn: Any = None) -> tuple[Any, ...]:
    _only_on(tab, "params")
    if drawn == [objective, x_param, y_param]:
        raise dash.exceptions.PreventUpdate
    figures = axes_figures(access, load_run_frame(access.run_id), objective, x_param, y_param)
    return (*figures, [objective, x_param, y_param])


def show_all_params(access: Access, tab: Any, objective: Any, run_id: Any, drawn: Any = None
                    ) -> tuple[Any, ...]:
    _only_on(tab, "params")
    if drawn == [objective]:
        raise dash.exceptions.PreventUpdate
    return (*all_params_figures(access, load_run_frame(access.run_id), objective), [objective])


def show_parallel(access: Access, tab: Any, objective: Any, run_id: Any) -> Any:
    _only_on(tab, "parallel")
    frame = load_run_frame(access.run_id)
    return build_figure("parallel", access.run_id, frame, objective=objective)[0]


def show_diagnosis(access: Access, tab: Any, objective: Any, run_id: Any) -> dict[str, Any]:
    _only_on(tab, "diagnosis")
    frame = load_run_frame(access.run_id)
    shown: dict[str, Any] = {}
    for name in DIAGNOSIS_FIGURES:
        shown[f"{name}_figure"], shown[f"{name}_verdict"] = build_figure(
            name, access.run_id, frame, objective=objective)
    return shown


def show_pareto(access: Access, tab: Any, run_id: Any) -> Any:
    _only_on(tab, "pareto")
    return build_figure("pareto", access.run_id, load_run_frame(access.run_id))


def register_figure_tab_callbacks(app: dash.Dash) -> None:
    viewer = guard.run(Role.viewer, "run_id")
    tab = Input(ids.tabs, "active_tab")
    objective = Input(ids.objective, "value")
    guard.guarded_callback(
        app,
        requires=viewer,
        output=[*(Output(ids.graph(name), "figure", allow_duplicate=True)
                  for name in AXES_FIGURES),
                Output(ids.drawn_axes, "data", allow_duplicate=True)],
        inputs={"tab": tab, "objective": objective, "x_param": Input(ids.x_param, "value"),
                "y_param": Input(ids.y_param, "value")},
        state={"run_id": State(ids.run, "data"), "drawn": State(ids.drawn_axes, "data")},
        prevent_initial_call=True,
    )(show_axes)
    guard.guarded_callback(
        app,
        requires=viewer,
        output=[*(Output(ids.graph(name), "figure", allow_duplicate=True)
                  for name in ALL_PARAMS_FIGURES),
                Output(ids.drawn_params, "data", allow_duplicate=True)],
        inputs={"tab": tab, "objective": objective},
        state={"run_id": State(ids.run, "data"), "drawn": State(ids.drawn_params, "data")},
        prevent_initial_call=True,
    )(show_all_params)
    guard.guarded_callback(
        app,
        requires=viewer,
        output=Output(ids.graph("parallel"), "figure"),
        inputs={"tab": tab, "objective": objective},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(show_parallel)
    guard.guarded_callback(
        app,
        requires=viewer,
        output=DIAGNOSIS_OUTPUTS,
        inputs={"tab": tab, "objective": objective},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(show_diagnosis)
    guard.guarded_callback(
        app,
        requires=viewer,
        output=[Output(ids.graph("pareto"), "figure"), Output(ids.pareto_note, "children")],
        inputs={"tab": tab},
        state={"run_id": State(ids.run, "data")},
    )(show_pareto)
