"""The first render: every view built once from a snapshot of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashapp.pages.run.live.curves import curves_record, plot_curves
from dashapp.pages.run.live.grid import column_defs, param_kinds
from dashapp.pages.run.live.history import history_record, plot_history
from dashapp.pages.run.live.reads import load_run_info
from dashapp.pages.run.live.records import trial_record
from dashapp.pages.run.live.scatter import default_axes, param_names, plot_scatter, scatter_record
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.timeline import lane, plot_timeline, timeline_record
from optunagui.store import list_trials

if TYPE_CHECKING:
    from collections.abc import Iterable

    import plotly.graph_objects as go

    from dashapp.pages.run.live.reads import Snapshot
    from dashapp.pages.run.live.records import RunInfo, TrialRecord
    from optunagui.store import Database

__all__ = ["InitialViews", "build_scatter", "build_views", "is_log_param", "load_scatter"]


@dataclass
class InitialViews:
    state: LiveState
    history: go.Figure
    curves: go.Figure
    scatter: go.Figure
    timeline: go.Figure
    columns: list[dict[str, Any]]
    params: list[str]
    x_param: str | None
    y_param: str | None

    @property
    def axes(self) -> list[str | None]:
        return [self.x_param, self.y_param]


def is_log_param(space: Any, name: str | None) -> bool:
    spec = space.get(name) if isinstance(space, dict) and name else None
    return bool(isinstance(spec, dict) and spec.get("log"))


def build_scatter(
    run: RunInfo, trials: Iterable[TrialRecord], x_param: str | None, y_param: str | None
) -> go.Figure:
    record = scatter_record(trials, x_param, y_param, metric=run.metric, direction=run.direction)
    space = dict(run.space)
    return plot_scatter(
        record, log_x=is_log_param(space, x_param), log_y=is_log_param(space, y_param)
    )


def build_views(
    snapshot: Snapshot, x_param: str | None = None, y_param: str | None = None
) -> InitialViews:
    run = snapshot.run
    trials = snapshot.trials
    history = history_record(
        trials, snapshot.controls, metric=run.metric, direction=run.direction
    )
    states = {t.number: t.state for t in trials}
    curves = curves_record(snapshot.recent_results, states, run.metric)
    params = param_names(trials, run.space)
    default_x, default_y = default_axes(params)
    x_param = x_param if x_param in params else default_x
    y_param = y_param if y_param in params else default_y
    best_params: dict[str, Any] = {}
    if history.best is not None:
        best_trial = next((t for t in trials if t.number == history.best[0]), None)
        best_params = dict(best_trial.params) if best_trial is not None else {}
    ranges = sum(
        1
        for event in snapshot.controls
        if event.metrics.get("kind") == "ranges"
        and event.metrics.get("status") in (None, "applied")
    )
    state = LiveState(
        run_id=run.id,
        cursor=snapshot.cursor,
        metric=run.metric,
        direction=run.direction,
        best=history.best,
        best_params=best_params,
        line_x=history.line_x,
        running={t.number: lane(t) for t in trials if t.state == "running"},
        curves=tuple(c.number for c in curves),
        params=tuple(params),
        last_number=max((t.number for t in trials), default=-1),
        status=run.status,
        ranges=ranges,
    )
    return InitialViews(
        state=state,
        history=plot_history(history),
        curves=plot_curves(curves, run.metric),
        scatter=build_scatter(run, trials, x_param, y_param),
        timeline=plot_timeline(timeline_record(trials)),
        columns=column_defs(run.metric_names, params, param_kinds(trials, params)),
        params=params,
        x_param=x_param,
        y_param=y_param,
    )


def load_scatter(
    database: Database, run_id: int, x_param: str, y_param: str
) -> go.Figure | None:
    """The scatter for newly chosen axes (reads the run and its trials, nothing else)."""
    with database.session() as session:
        run = load_run_info(session, run_id)
        if run is None:
            return None
        trials = [trial_record(row) for row in list_trials(session, run_id, states=["complete"])]
    return build_scatter(run, trials, x_param, y_param)
