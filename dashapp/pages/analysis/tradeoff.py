"""The run analysis page's "Trade-offs" tab: the best trial on one measure under bounds on
others ("the most accurate model under 50 ms fit time"), for any run a viewer may read.

The choices list the run's objectives, the secondary metrics its trials recorded (fit time
among them) and the trial duration; `optunagui.analysis.pick_tradeoff` does the picking.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html

from dashapp import components, guard
from dashapp.analysis_state import load_run_frame
from dashapp.guard import Access
from dashapp.pages.analysis.ids import ids
from dashapp.permissions import Role
from optunagui import analysis
from optunagui.analysis import TrialFrame
from optunagui.analysis.pareto import OPERATORS as COMPARE

__all__ = [
    "COLUMN_OUTPUTS",
    "pick",
    "register_tradeoff_callbacks",
    "show_columns",
    "tradeoff_columns",
    "tradeoff_tab",
]

PREFIX = "analysis-tradeoff"
OPTIMISE, DIRECTION, RESULT, GRAPH = (f"{PREFIX}-{n}" for n in
                                      ("optimise", "direction", "result", "graph"))
N_BOUNDS = 2
OPERATORS = ["<=", "<", ">=", ">"]
SAMPLED_ATTRS = 50


def _bound(i: int, part: str) -> str:
    return f"{PREFIX}-bound{i}-{part}"


def tradeoff_columns(frame: TrialFrame) -> list[str]:
    """Objectives, then numeric metrics recorded on complete trials, then "duration_s"."""
    names = list(frame.metric_names)
    complete = frame.complete(0)
    for index in complete[:SAMPLED_ATTRS]:
        attrs = frame.attrs[int(index)] or {}
        metrics = attrs.get("metrics") if isinstance(attrs, Mapping) else None
        for name, value in (metrics or {}).items():
            if isinstance(value, int | float) and name not in names:
                names.append(str(name))
    names.append("duration_s")
    return names


def _dropdown(component_id: str, **kwargs: Any) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, clearable=False, **kwargs)


def tradeoff_tab() -> list[Any]:
    bounds = [
        dbc.Row(
            [
                dbc.Col(dbc.Label(f"Bound {i}", class_name="small mb-0"), md=1),
                dbc.Col(dcc.Dropdown(id=_bound(i, "column"), placeholder="no bound"), md=4),
                dbc.Col(_dropdown(_bound(i, "op"), options=OPERATORS, value="<="), md=2),
                dbc.Col(dbc.Input(id=_bound(i, "value"), placeholder="limit", debounce=True,
                                  size="sm"), md=3),
            ],
            class_name="mb-2",
        )
        for i in range(1, N_BOUNDS + 1)
    ]
    return [
        dbc.Row(
            [
                dbc.Col([dbc.Label("Best", class_name="small mb-0"), _dropdown(OPTIMISE)], md=5),
                dbc.Col(
                    [dbc.Label("Direction", class_name="small mb-0"),
                     dbc.RadioItems(id=DIRECTION, options=["maximize", "minimize"],
                                    value="maximize", inline=True)],
                    md=4,
                ),
            ],
            class_name="mb-2",
        ),
        *bounds,
        html.Div(id=RESULT, className="mb-2"),
        dcc.Graph(id=GRAPH, figure={"data": [], "layout": {}}, config={"displaylogo": False}),
    ]


def _limit(raw: Any, i: int) -> tuple[float | None, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    try:
        value = float(raw) if isinstance(raw, int | float | str) and len(str(raw)) < 40 else None
    except ValueError:
        value = None
    if value is None or isinstance(raw, bool) or not math.isfinite(value):
        return None, f"Bound {i}: the limit must be a number, e.g. 0.05."
    return value, None


def _figure(frame: TrialFrame, optimise: str, x_name: str | None, feasible: np.ndarray,
            pick: Any) -> go.Figure:
    y = frame.metric_column(optimise)
    x = frame.metric_column(x_name) if x_name else frame.number.astype(float)
    done = frame.state_mask("complete") & np.isfinite(y) & np.isfinite(x)
    fig = go.Figure()
    for mask, label, color in ((done & ~feasible, "outside the bounds", "#c7c7c7"),
                               (done & feasible, "within the bounds", "#1f77b4")):
        fig.add_trace(go.Scattergl(x=x[mask], y=y[mask], mode="markers", name=label,
                                   marker={"color": color, "size": 6},
                                   text=[f"trial {n}" for n in frame.number[mask]]))
    if pick.number is not None:
        at = int(np.flatnonzero(frame.number == pick.number)[0])
        fig.add_trace(go.Scatter(x=[x[at]], y=[y[at]], mode="markers", name="picked",
                                 marker={"symbol": "star", "size": 16, "color": "#d62728"}))
    fig.update_layout(xaxis={"title": x_name or "trial"}, yaxis={"title": optimise},
                      margin={"t": 30}, height=420)
    return fig


def _result(pick: Any) -> Any:
    if pick.number is None:
        return components.message(pick.message, "warning")
    rows = [html.Tr([html.Td(k), html.Td(f"{v:.6g}")]) for k, v in pick.values.items()]
    rows += [html.Tr([html.Td(k), html.Td(str(v))]) for k, v in pick.params.items()]
    return html.Div([
        html.P(pick.message, className="mb-1", id=f"{PREFIX}-message"),
        dbc.Table(html.Tbody(rows), size="sm", bordered=True, class_name="w-auto"),
    ])


COLUMN_OUTPUTS = {
    "optimise_options": Output(OPTIMISE, "options"),
    "optimise": Output(OPTIMISE, "value"),
    **{f"bound{i}_options": Output(_bound(i, "column"), "options")
       for i in range(1, N_BOUNDS + 1)},
    "bound1": Output(_bound(1, "column"), "value"),
}


def show_columns(access: Access, tab: Any, run_id: Any, chosen: Any) -> dict[str, Any]:
    if tab != "tradeoffs" or chosen:
        raise dash.exceptions.PreventUpdate
    names = tradeoff_columns(load_run_frame(access.run_id))
    return {
        "optimise_options": names,
        "optimise": names[0],
        **{f"bound{i}_options": names for i in range(1, N_BOUNDS + 1)},
        "bound1": "fit_time_s" if "fit_time_s" in names else None,
    }


def _bounds(names: list[str], fields: Mapping[str, Any]
            ) -> tuple[dict[str, tuple[str, float]], str | None]:
    """The bounds the form sets, by measure, or a problem to show instead."""
    bounds: dict[str, tuple[str, float]] = {}
    for i in range(1, N_BOUNDS + 1):
        column, op = fields.get(f"column{i}"), fields.get(f"op{i}")
        if column is None:
            continue
        if column not in names or op not in OPERATORS:
            return {}, f"Bound {i}: choose a listed measure and one of {', '.join(OPERATORS)}."
        limit, problem = _limit(fields.get(f"limit{i}"), i)
        if problem:
            return {}, problem
        if limit is not None:
            bounds[column] = (op, limit)
    return bounds, None


def pick(access: Access, optimise: Any, direction: Any, run_id: Any, **fields: Any) -> Any:
    frame = load_run_frame(access.run_id)
    names = tradeoff_columns(frame)
    if optimise not in names:
        raise dash.exceptions.PreventUpdate
    bounds, problem = _bounds(names, fields)
    if problem:
        return components.message(problem, "danger"), dash.no_update
    objective = optimise in frame.metric_names
    chosen = None if objective else (direction if direction in ("maximize", "minimize")
                                     else "maximize")
    result = analysis.pick_tradeoff(frame, optimise, bounds, direction=chosen)
    feasible = np.ones(frame.n_trials, dtype=bool)
    for column, (op, limit) in bounds.items():
        with np.errstate(invalid="ignore"):
            feasible &= COMPARE[op](frame.metric_column(column), limit)
    x_name = next(iter(bounds), None)
    return _result(result), _figure(frame, optimise, x_name, feasible, result)


def register_tradeoff_callbacks(app: dash.Dash) -> None:
    viewer = guard.run(Role.viewer, "run_id")
    guard.guarded_callback(
        app,
        requires=viewer,
        output=COLUMN_OUTPUTS,
        inputs={"tab": Input(ids.tabs, "active_tab")},
        state={"run_id": State(ids.run, "data"), "chosen": State(OPTIMISE, "value")},
    )(show_columns)
    bound_inputs = {}
    for i in range(1, N_BOUNDS + 1):
        bound_inputs[f"column{i}"] = Input(_bound(i, "column"), "value")
        bound_inputs[f"op{i}"] = Input(_bound(i, "op"), "value")
        bound_inputs[f"limit{i}"] = Input(_bound(i, "value"), "value")
    guard.guarded_callback(
        app,
        requires=viewer,
        output=[Output(RESULT, "children"), Output(GRAPH, "figure")],
        inputs={"optimise": Input(OPTIMISE, "value"), "direction": Input(DIRECTION, "value"),
                **bound_inputs},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(pick)
