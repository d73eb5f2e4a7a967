"""The Importance tab: the cached result at once (with what it was computed on), a newer one
computed in the background when the run has grown, and the refinement advice it supports.

Editors and owners also get, with the advice, links that open the wizard with it applied and,
while the run is not finished, a button that applies a numeric range to the running run
(``dashapp/pages/analysis/advice.py``); viewers and share links see the advice only."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashapp import guard
from dashapp.analysis_state import analysis_state, load_run_frame
from dashapp.guard import Access
from dashapp.pages.analysis.advice import (
    AdviceActions,
    advice_actions,
    advice_links,
    item_actions,
)
from dashapp.pages.analysis.figures import NO_TRIALS, empty_figure, objective_name
from dashapp.pages.analysis.ids import ids
from dashapp.permissions import Role
from optunagui import analysis
from optunagui.analysis import Advice, TrialFrame

__all__ = [
    "IMPORTANCE_OUTPUTS",
    "METHODS",
    "importance_view",
    "register_importance_callbacks",
    "render_advice",
    "show_importance",
]

METHODS = [
    {"label": "fANOVA", "value": "fanova"},
    {"label": "PED-ANOVA", "value": "ped_anova"},
]
ADVICE_COLORS = {"fix": "secondary", "widen": "warning", "narrow": "info"}
NO_ADVICE = (
    "No refinement advice: it needs at least 20 complete trials, and none of the parameters "
    "sits at a bound, hardly matters or keeps its best trials to a small part of its range."
)


def render_advice(advice: list[Advice], actions: AdviceActions | None = None) -> Any:
    """The advice list; ``actions`` (for editors and owners) adds its links and buttons."""
    if not advice:
        return html.P(NO_ADVICE, className="text-muted mb-0", id="analysis-no-advice")
    items = [
        dbc.ListGroupItem(
            [
                dbc.Badge(
                    item.kind, color=ADVICE_COLORS.get(item.kind, "light"), class_name="me-2"
                ),
                html.Strong(item.param, className="me-2"),
                html.Span(item.message),
                html.Div(
                    ["Proposed: ", html.Code(json.dumps(item.proposed, default=str))],
                    className="small text-muted mt-1",
                ),
                item_actions(item, actions),
            ],
            class_name="analysis-advice-item",
        )
        for item in advice
    ]
    return html.Div([dbc.ListGroup(items, flush=True), advice_links(advice, actions)])


def importance_view(run_id: int, frame: TrialFrame, objective: Any, method: Any,
                    access: Access | None = None) -> tuple[Any, str, Any, bool]:
    """(figure, note, advice, whether polling can stop) for the run's importance.

    Args:
        access: the checked user; editors and owners get the advice's actions (without it the
            advice is read-only).
    """
    metric = objective_name(frame, objective)
    method = method if method == "ped_anova" else "fanova"
    if frame.complete(metric).size < 2 or not frame.params:
        return empty_figure(NO_TRIALS), "Importance needs at least two complete trials.", None, True
    cache = analysis_state().importance
    record = cache.request(run_id, frame, method=method, objective=metric)
    pending = cache.pending(run_id, method, metric)
    if pending is None:  # it may have finished already
        record = cache.latest(run_id, method, metric)
    if record is None:
        label = "fANOVA" if method == "fanova" else "PED-ANOVA"
        text = f"Computing {label} importance of {metric}…"
        return empty_figure(text), text, None, pending is None
    note = record.note
    if pending is not None:
        note += " — a newer result with the latest trials is being computed."
    advice = analysis.compute_advice(frame, record, objective=metric)
    shown = render_advice(advice, advice_actions(access) if advice else None)
    return analysis.draw_importance(record), note, shown, pending is None


IMPORTANCE_OUTPUTS = {
    "figure": Output(ids.graph("importance"), "figure"),
    "note": Output(ids.importance_note, "children"),
    "advice": Output(ids.advice, "children"),
    "done": Output(ids.importance_poll, "disabled"),
}


def show_importance(access: Access, tab: Any, objective: Any, method: Any, tick: Any,
                    run_id: Any) -> dict[str, Any]:
    if tab != "importance":
        raise dash.exceptions.PreventUpdate
    view = importance_view(access.run_id, load_run_frame(access.run_id), objective, method,
                           access=access)
    return dict(zip(IMPORTANCE_OUTPUTS, view, strict=True))


def register_importance_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=IMPORTANCE_OUTPUTS,
        inputs={
            "tab": Input(ids.tabs, "active_tab"),
            "objective": Input(ids.objective, "value"),
            "method": Input(ids.method, "value"),
            "tick": Input(ids.importance_poll, "n_intervals"),
        },
        state={"run_id": State(ids.run, "data")},
    )(show_importance)
