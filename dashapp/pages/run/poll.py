"""The run page's poll and trial detail: what one tick appends, and one trial's full record.

A poll reads only the events after the browser's cursor (``dashapp.pages.run.live.load_tick``) and
answers with ``dash.Patch`` appends and an ag-grid row transaction, never whole figures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import html

from dashapp import components, services
from dashapp.guard import Access
from dashapp.pages.run.header import render_header
from dashapp.pages.run.live import advance, is_done, load_tick
from dashapp.pages.run.live.curves import curves_patch
from dashapp.pages.run.live.grid import param_column, row_transaction
from dashapp.pages.run.live.header import header_record
from dashapp.pages.run.live.history import history_patch
from dashapp.pages.run.live.scatter import scatter_patch
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.timeline import timeline_patch
from dashapp.pages.run.ranges import ranges_form
from dashapp.permissions import Role
from optunagui.store import count_trials_by_state, get_run

__all__ = ["FINISHED", "HIDDEN", "SHOWN", "clock", "header", "is_editor", "poll_outputs",
           "trial_detail"]

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}
FINISHED = frozenset({"completed", "stopped", "failed"})
QUICK_NOTE = ("Quick mode: few trials with aggressive pruning on a stratified subsample; "
              "a first look, not a final result.")


def clock(run: Any) -> dict[str, str | None]:
    """The run's start and end times, for the elapsed time the browser ticks."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {"started": iso(run.started_at), "finished": iso(run.finished_at)}


def is_editor(access: Access) -> bool:
    return access.role is not None and access.role >= Role.editor


def header(run: Any, counts: dict[str, int], state: LiveState) -> list[Any]:
    record = header_record(
        run,
        counts,
        best=state.best,
        best_params=state.best_params,
        workers=state.running.values(),
        now=datetime.now(UTC),
        quick=_is_quick(run.id),
    )
    children = render_header(record)
    if record.quick:
        children.insert(0, html.Div(
            [components.quick_badge(id="run-quick-badge"),
             html.Span(QUICK_NOTE, className="ms-2 small text-muted")],
            className="mb-2",
        ))
    return children


def _is_quick(run_id: int) -> bool:
    with services.database().session() as session:
        run = get_run(session, run_id)
        return bool(run is not None and (run.spec or {}).get("quick"))


def trial_detail(trial: Any) -> Any:
    """A trial's parameters, values and, for a failed one, its full error."""
    if trial is None:
        return components.message("No such trial.", "warning")
    rows = [["State", trial.state], ["Values", ", ".join(
        components.format_value(v) for v in trial.values) or "—"]]
    rows += [["Worker", trial.worker or "—"], ["GPU", ", ".join(map(str, trial.gpu_ids)) or "—"]]
    rows += [[f"param {name}", str(value)] for name, value in trial.params.items()]
    children: list[Any] = [
        html.H6(f"Trial {trial.number}"),
        components.table(["", ""], rows, id="run-trial-detail-table"),
    ]
    if trial.error:
        children.append(html.Div("Error", className="fw-bold text-danger"))
        children.append(html.Pre(trial.error, className="small bg-light p-2",
                                 id="run-trial-error"))
    return children


def poll_outputs(access: Access, live: Any, x_param: Any, y_param: Any) -> tuple[Any, ...]:
    """One poll: the events after the browser's cursor, appended to every view."""
    state = LiveState.from_data(live)
    if state is None or state.run_id != access.run_id:
        raise dash.exceptions.PreventUpdate
    tick = load_tick(services.database(), access.run_id, state.cursor)
    if tick is None:
        raise dash.exceptions.PreventUpdate
    changes = advance(state, tick)
    done = is_done(changes.state, tick)
    if not tick.events and not changes.status_changed and not done:
        raise dash.exceptions.PreventUpdate
    no = dash.no_update
    n_values = len(tick.run.metric_names)
    params = list(changes.state.params)
    columns: Any = no
    if changes.new_params:
        columns = dash.Patch()
        start = len(state.params)
        for offset, name in enumerate(changes.new_params):
            columns.append(param_column(start + offset, name))
    transaction = row_transaction(changes.added, changes.updated, params, n_values)
    counts = tick.counts
    if counts is None:
        with services.database().session() as session:
            counts = count_trials_by_state(session, access.run_id)
    editor = is_editor(access)
    finished = tick.run.status in FINISHED
    controls_style = (HIDDEN if finished or not editor else SHOWN) if changes.status_changed else no
    return (
        history_patch(changes.points, changes.best_points, changes.marks),
        curves_patch(changes.curves),
        scatter_patch(changes.complete, x_param, y_param),
        timeline_patch(changes.finished),
        transaction if transaction is not None else no,
        columns,
        header(tick.run, counts, changes.state),
        controls_style,
        ranges_form(tick.run.space) if editor and changes.ranges_changed else no,
        changes.state.to_data(),
        clock(tick.run) if changes.status_changed else no,
        True if done else no,
    )
