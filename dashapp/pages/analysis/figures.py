"""The run analysis page's figures: each view of a run's frame as (figure, one line of text).

One function builds every figure by name, so the page and its "Download HTML" buttons draw
exactly the same thing from the same (checked) run.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from dashapp import services
from dashapp.analysis_state import analysis_state
from optunagui import analysis
from optunagui.analysis import TrialFrame

__all__ = [
    "FEATURE_DRAWERS",
    "TITLES",
    "build_figure",
    "default_axes",
    "empty_figure",
    "objective_name",
]

TITLES = {
    "scatter": "Two parameters",
    "contour": "Contour",
    "parallel": "Parallel coordinates",
    "slice": "Slice",
    "history": "Parameter history",
    "importance": "Importance",
    "convergence": "Convergence against random search",
    "exploration": "Exploration",
    "pruning": "Pruning efficiency",
    "workers": "Workers",
    "pareto": "Pareto front",
    "feature_importance": "Built-in feature importance of the best trial's model",
    "shap_bar": "Mean |SHAP value| per column",
    "shap_beeswarm": "SHAP values per row",
}
FEATURE_DRAWERS = {
    "feature_importance": analysis.draw_model_importance,
    "shap_bar": analysis.draw_shap_bar,
    "shap_beeswarm": analysis.draw_shap_beeswarm,
}
NO_TRIALS = "No complete trials yet: this view fills in once trials finish."


def empty_figure(text: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=220,
        annotations=[{"text": text, "showarrow": False, "xref": "paper", "yref": "paper",
                      "x": 0.5, "y": 0.5}],
    )
    return fig


def objective_name(frame: TrialFrame, objective: Any) -> str:
    """The chosen objective when the run has it, else the first one."""
    if isinstance(objective, str) and objective in frame.metric_names:
        return objective
    return frame.metric_names[0]


def default_axes(frame: TrialFrame) -> tuple[str | None, str | None]:
    names = list(frame.params)
    if not names:
        return None, None
    return names[0], names[1] if len(names) > 1 else names[0]


def _axis(frame: TrialFrame, value: Any, fallback: str | None) -> str | None:
    return value if isinstance(value, str) and value in frame.params else fallback


def _params(frame: TrialFrame, name: str, objective: str, x: Any, y: Any) -> tuple[go.Figure, str]:
    if not frame.params:
        return empty_figure("This run has no tuned parameters."), ""
    default_x, default_y = default_axes(frame)
    x, y = _axis(frame, x, default_x), _axis(frame, y, default_y)
    if name == "scatter":
        return analysis.plot_scatter(frame, x, y, objective=objective), ""
    if name == "contour":
        if x == y:
            return empty_figure("Choose two different parameters for the contour."), ""
        return analysis.plot_contour(frame, x, y, objective=objective), ""
    if name == "parallel":
        return analysis.plot_parallel(frame, objective=objective), ""
    if name == "slice":
        return analysis.plot_slice(frame, objective=objective), ""
    return analysis.plot_history(frame, objective=objective), ""


def _importance(run_id: int, frame: TrialFrame, objective: str, method: str
                ) -> tuple[go.Figure, str]:
    record = analysis_state().importance.latest(run_id, method, objective)
    if record is None:
        return empty_figure("Importance has not been computed yet."), ""
    return analysis.draw_importance(record), record.note


def _diagnosis(name: str, run_id: int, frame: TrialFrame, objective: str
               ) -> tuple[go.Figure, str]:
    if name == "convergence":
        record = analysis.compute_convergence(frame, objective=objective)
        return analysis.draw_convergence(record), record.verdict
    if name == "exploration":
        record = analysis.compute_exploration(frame, objective=objective)
        return analysis.draw_exploration(record), record.verdict
    if name == "pruning":
        with services.database().session() as session:
            values = analysis.load_pruning_values(session, run_id, frame, objective=objective)
        record = analysis.compute_pruning(frame, values, objective=objective)
        if record.step is None:  # no step to compare early and final scores at
            return empty_figure(record.verdict), record.verdict
        return analysis.draw_pruning(record), record.verdict
    record = analysis.compute_workers(frame)
    return analysis.draw_workers(record), record.verdict


def build_figure(name: str, run_id: int, frame: TrialFrame, *, objective: Any = None,
                 x: Any = None, y: Any = None, method: Any = "fanova") -> tuple[go.Figure, str]:
    """The figure called ``name`` (a key of ``TITLES``) for the run, and its line of text
    (a verdict, or what the figure was computed on)."""
    if name not in TITLES:
        raise KeyError(name)
    if name in FEATURE_DRAWERS:
        record = analysis_state().features.latest(run_id)
        if record is None:
            return empty_figure("Feature impact has not been computed yet."), ""
        return FEATURE_DRAWERS[name](record), record.note
    metric = objective_name(frame, objective)
    if name == "workers":
        return _diagnosis(name, run_id, frame, metric)
    if name == "pareto":
        if frame.n_objectives < 2:
            return empty_figure("This run optimises a single metric."), ""
        record = analysis.compute_pareto(frame)
        return analysis.draw_pareto(record), record.note
    if frame.complete(metric).size == 0:
        return empty_figure(NO_TRIALS), NO_TRIALS
    if name == "importance":
        return _importance(run_id, frame, metric, method if method == "ped_anova" else "fanova")
    if name in ("convergence", "exploration", "pruning"):
        return _diagnosis(name, run_id, frame, metric)
    return _params(frame, name, metric, x, y)
