"""The run page's poll: what one tick of ``run-poll`` appends to every view.

A poll reads only the events after the browser's cursor (``dashapp.pages.run.live.load_tick``) and
answers with ``dash.Patch`` appends; the trials table refreshes its own pages when the live
state changes (``dashapp.pages.run.trials_table``). Once ``REDRAW_AFTER`` finished trials have
been appended, the figures are drawn whole again from the run (sampled as the first render
samples them), so a page left open on a long run holds as many points as a fresh one.
Polling stops once the run has finished and every event is shown.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import guard, services
from dashapp.guard import Access
from dashapp.pages.run.controls import controls_style
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live import (
    Changes,
    Tick,
    advance,
    build_views,
    is_done,
    load_snapshot,
    load_tick,
)
from dashapp.pages.run.live.curves import curves_patch
from dashapp.pages.run.live.grid import param_column, param_kinds
from dashapp.pages.run.live.history import history_patch
from dashapp.pages.run.live.sampling import MAX_POINTS
from dashapp.pages.run.live.scatter import scatter_patch
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.timeline import timeline_patch
from dashapp.pages.run.progress import clock, header
from dashapp.pages.run.ranges import ranges_form
from dashapp.permissions import Role
from optunagui.store import count_trials_by_state

__all__ = ["POLL_OUTPUTS", "REDRAW_AFTER", "poll", "register_poll_callbacks"]

REDRAW_AFTER = MAX_POINTS // 2

POLL_OUTPUTS = {
    "history": Output(ids.history, "figure", allow_duplicate=True),
    "curves": Output(ids.curves, "figure", allow_duplicate=True),
    "scatter": Output(ids.scatter, "figure", allow_duplicate=True),
    "timeline": Output(ids.timeline, "figure", allow_duplicate=True),
    "columns": Output(ids.grid, "columnDefs", allow_duplicate=True),
    "header": Output(ids.header, "children", allow_duplicate=True),
    "controls": Output(ids.controls, "style", allow_duplicate=True),
    "ranges": Output(ids.ranges_form, "children", allow_duplicate=True),
    "state": Output(ids.state, "data", allow_duplicate=True),
    "clock": Output(ids.clock, "data", allow_duplicate=True),
    "poll_off": Output(ids.poll, "disabled", allow_duplicate=True),
}


def _new_columns(before: LiveState, changes: Changes) -> Any:
    """The grid's columns for parameters first seen in this tick, appended."""
    if not changes.new_params:
        return dash.no_update
    columns = dash.Patch()
    start = len(before.params)
    kinds = param_kinds([*changes.added, *changes.updated], changes.new_params)
    for offset, name in enumerate(changes.new_params):
        columns.append(param_column(start + offset, name, kinds[name]))
    return columns


def _counts(run_id: int, tick: Tick) -> dict[str, int]:
    if tick.counts is not None:
        return tick.counts
    with services.database().session() as session:
        return count_trials_by_state(session, run_id)


def _redrawn(access: Access, x_param: Any, y_param: Any) -> dict[str, Any]:
    """The figures, header and state drawn whole from the run as it is now."""
    snapshot = load_snapshot(services.database(), access.run_id)
    if snapshot is None:
        return {}
    views = build_views(snapshot, x_param if isinstance(x_param, str) else None,
                        y_param if isinstance(y_param, str) else None)
    return {"history": views.history, "curves": views.curves, "scatter": views.scatter,
            "timeline": views.timeline, "state": views.state.to_data(),
            "header": header(snapshot.run, snapshot.counts, views.state)}


def poll(access: Access, tick: Any, run_id: Any, live: Any, x_param: Any, y_param: Any
         ) -> dict[str, Any]:
    """One poll: the events after the browser's cursor, appended to every view."""
    state = LiveState.from_data(live)
    if state is None or state.run_id != access.run_id:
        raise dash.exceptions.PreventUpdate
    latest = load_tick(services.database(), access.run_id, state.cursor)
    if latest is None:
        raise dash.exceptions.PreventUpdate
    changes = advance(state, latest)
    done = is_done(changes.state, latest)
    if not latest.events and not changes.status_changed and not done:
        raise dash.exceptions.PreventUpdate
    no = dash.no_update
    status_changed = changes.status_changed
    answer = {
        "history": history_patch(changes.points, changes.best_points, changes.marks,
                                 changes.warm_points),
        "curves": curves_patch(changes.curves),
        "scatter": scatter_patch(changes.complete, x_param, y_param),
        "timeline": timeline_patch(changes.finished),
        "columns": _new_columns(state, changes),
        "header": header(latest.run, _counts(access.run_id, latest), changes.state),
        "controls": controls_style(access, latest.run.status) if status_changed else no,
        "ranges": (ranges_form(latest.run.space)
                   if access.holds(Role.editor) and changes.ranges_changed else no),
        "state": changes.state.to_data(),
        "clock": clock(latest.run) if status_changed else no,
        "poll_off": True if done else no,
    }
    if changes.state.appended > REDRAW_AFTER:
        answer.update(_redrawn(access, x_param, y_param))
    return answer


def register_poll_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=POLL_OUTPUTS,
        inputs={"tick": Input(ids.poll, "n_intervals")},
        state={
            "run_id": State(ids.run, "data"),
            "live": State(ids.state, "data"),
            "x_param": State(ids.scatter_x, "value"),
            "y_param": State(ids.scatter_y, "value"),
        },
        prevent_initial_call=True,
    )(poll)
