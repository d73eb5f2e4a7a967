"""What the run page's views answer a reader's choice with: the scatter for newly chosen axes,
and one trial's full record when its row is clicked."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, html

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live import load_scatter
from dashapp.pages.run.live.reads import load_trials_by_number
from dashapp.permissions import Role

__all__ = ["choose_axes", "register_view_callbacks", "show_trial", "trial_detail"]


def choose_axes(access: Access, x_param: Any, y_param: Any, run_id: Any, shown: Any) -> Any:
    if not isinstance(x_param, str) or not isinstance(y_param, str):
        raise dash.exceptions.PreventUpdate
    if shown == [x_param, y_param]:
        raise dash.exceptions.PreventUpdate  # the first render drew these axes already
    figure = load_scatter(services.database(), access.run_id, x_param, y_param)
    if figure is None:
        raise dash.exceptions.PreventUpdate
    return figure, [x_param, y_param]


def trial_detail(trial: Any) -> Any:
    """A trial's parameters, values and, for a failed one, its full error."""
    if trial is None:
        return components.message("No such trial.", "warning")
    rows = [["State", trial.state], ["Values", ", ".join(
        components.format_value(v) for v in trial.values) or "—"]]
    rows += [["Worker", trial.worker or "—"], ["GPU", ", ".join(map(str, trial.gpu_ids)) or "—"]]
    if trial.warm_start is not None:
        rows.append(["Warm start", f"configuration {trial.warm_start} of the spec's warm_start, "
                                   "evaluated before the sampler's trials"])
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


def _row_number(clicked: Any) -> int | None:
    row_id = clicked.get("rowId") if isinstance(clicked, dict) else None
    if isinstance(row_id, str) and row_id.isdigit() and len(row_id) < 10:
        return int(row_id)
    return None


def show_trial(access: Access, clicked: Any, run_id: Any, linked: Any = None) -> Any:
    """The detail of the trial clicked in the table, or at first of the trial the page's
    address names (``?trial=N``, as alerts link to it)."""
    from_link = dash.ctx.triggered_id in (None, ids.linked_trial)
    number = (linked if isinstance(linked, int) and not isinstance(linked, bool) else None
              ) if from_link else _row_number(clicked)
    if number is None:
        raise dash.exceptions.PreventUpdate
    with services.database().session() as session:
        found = load_trials_by_number(session, access.run_id, [number]).get(number)
    return trial_detail(found)


def register_view_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[
            Output(ids.scatter, "figure", allow_duplicate=True),
            Output(ids.scatter_axes, "data", allow_duplicate=True),
        ],
        inputs={"x_param": Input(ids.scatter_x, "value"), "y_param": Input(ids.scatter_y, "value")},
        state={"run_id": State(ids.run, "data"), "shown": State(ids.scatter_axes, "data")},
        prevent_initial_call=True,
    )(choose_axes)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.detail, "children"),
        inputs={"clicked": Input(ids.grid, "cellClicked"),
                "linked": Input(ids.linked_trial, "data")},
        state={"run_id": State(ids.run, "data")},
    )(show_trial)
