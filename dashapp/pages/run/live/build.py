"""The first render: every view built once from a snapshot of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashapp.pages.run.live.curves import curves_record, plot_curves
from dashapp.pages.run.live.grid import column_defs, param_kinds
from dashapp.pages.run.live.history import plot_history, points_history
from dashapp.pages.run.live.reads import load_run_info
from dashapp.pages.run.live.records import trial_record
from dashapp.pages.run.live.scatter import default_axes, param_names, plot_scatter, scatter_record
from dashapp.pages.run.live.snapshot import detail_numbers
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.timeline import lane, plot_timeline, timeline_record
from optunagui.store import primary_values, trials_by_numbers

if TYPE_CHECKING:
    from collections.abc import Iterable

    import plotly.graph_objects as go

    from dashapp.pages.run.live.records import RunInfo, TrialRecord
    from dashapp.pages.run.live.snapshot import Snapshot
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
    run: RunInfo, trials: Iterable[TrialRecord], x_param: str | None, y_param: str | None,
    *, total: int | None = None,
) -> go.Figure:
    """``total``: the complete trials of the run, when ``trials`` are a sample of them."""
    record = scatter_record(trials, x_param, y_param, metric=run.metric, direction=run.direction)
    record.total = total
    space = dict(run.space)
    return plot_scatter(
        record, log_x=is_log_param(space, x_param), log_y=is_log_param(space, y_param)
    )


def _ranges_applied(snapshot: Snapshot) -> int:
    return sum(
        1
        for event in snapshot.controls
        if event.metrics.get("kind") == "ranges"
        and event.metrics.get("status") in (None, "applied")
    )


def build_views(
    snapshot: Snapshot, x_param: str | None = None, y_param: str | None = None
) -> InitialViews:
    run = snapshot.run
    history = points_history(snapshot.points, snapshot.controls, snapshot.marks,
                             metric=run.metric, direction=run.direction, warm=snapshot.warm)
    curves = curves_record(snapshot.recent_results, snapshot.states, run.metric)
    described = [*snapshot.detail, *snapshot.running]
    params = param_names(described, run.space)
    default_x, default_y = default_axes(params)
    x_param = x_param if x_param in params else default_x
    y_param = y_param if y_param in params else default_y
    best_params: dict[str, Any] = {}
    if history.best is not None:
        best_trial = next((t for t in snapshot.detail if t.number == history.best[0]), None)
        best_params = dict(best_trial.params) if best_trial is not None else {}
    state = LiveState(
        run_id=run.id,
        cursor=snapshot.cursor,
        metric=run.metric,
        direction=run.direction,
        best=history.best,
        best_params=best_params,
        line_x=history.line_x,
        running={t.number: lane(t) for t in snapshot.running},
        curves=tuple(c.number for c in curves),
        params=tuple(params),
        last_number=snapshot.last_number,
        status=run.status,
        ranges=_ranges_applied(snapshot),
    )
    truncated = len(snapshot.finished) < snapshot.n_finished
    return InitialViews(
        state=state,
        history=plot_history(history),
        curves=plot_curves(curves, run.metric),
        scatter=build_scatter(run, snapshot.detail, x_param, y_param,
                              total=len(snapshot.points)),
        timeline=plot_timeline(timeline_record(snapshot.finished),
                               total=snapshot.n_finished if truncated else None),
        columns=column_defs(run.metric_names, params, param_kinds(described, params)),
        params=params,
        x_param=x_param,
        y_param=y_param,
    )


def load_scatter(
    database: Database, run_id: int, x_param: str, y_param: str
) -> go.Figure | None:
    """The scatter for newly chosen axes: the complete trials' values, then the rows of the
    sample it draws."""
    with database.session() as session:
        run = load_run_info(session, run_id)
        if run is None:
            return None
        points = primary_values(session, run_id)
        rows = trials_by_numbers(session, run_id, detail_numbers(points, run.direction))
    trials = [trial_record(row) for row in rows]
    return build_scatter(run, trials, x_param, y_param, total=len(points))
