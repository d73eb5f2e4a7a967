"""Run controls for editors and owners: pause, resume, stop and new ranges.

Each action writes a request on the run (``request_control``) that the driver reads and
confirms with a control event (shown on the history plot); resuming a paused run relaunches
its driver (``cluster.launch.start.start_runs``) and stopping goes through
``cluster.launch.submit.stop_run``. ``cluster`` is imported only inside those two actions (it
loads Ray, which the dashboard does not otherwise need). The callbacks check the editor role
themselves: the controls card being hidden from viewers is not the check.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.pages.run.ranges import check_ranges
from dashapp.permissions import Role
from optunagui.status import TERMINAL_RUN_STATUSES, UNDER_WAY_RUN_STATUSES, RunStatus
from optunagui.store import InvalidState, NotFound, get_run, request_control

__all__ = [
    "RANGE_FIELDS",
    "act",
    "apply_ranges",
    "controls_card",
    "controls_style",
    "perform",
    "register_control_callbacks",
]

RANGE_FIELDS = {
    "lows": State({"type": ids.range_low, "param": ALL}, "value"),
    "highs": State({"type": ids.range_high, "param": ALL}, "value"),
    "logs": State({"type": ids.range_log, "param": ALL}, "value"),
    "steps": State({"type": ids.range_step, "param": ALL}, "value"),
    "low_ids": State({"type": ids.range_low, "param": ALL}, "id"),
    "high_ids": State({"type": ids.range_high, "param": ALL}, "id"),
    "log_ids": State({"type": ids.range_log, "param": ALL}, "id"),
    "step_ids": State({"type": ids.range_step, "param": ALL}, "id"),
}


def controls_style(access: Access, status: str) -> dict[str, str]:
    """The controls card shows for editors while the run has not finished."""
    if access.holds(Role.editor) and status not in TERMINAL_RUN_STATUSES:
        return components.SHOWN
    return components.HIDDEN


def controls_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Controls"),
            dbc.CardBody(
                [
                    html.Div(
                        [
                            dbc.Button("Pause", id=ids.pause, color="warning", class_name="me-2"),
                            dbc.Button("Resume", id=ids.resume, color="success",
                                       class_name="me-2"),
                            dbc.Button("Stop", id=ids.stop, color="danger", class_name="me-2"),
                        ],
                        className="mb-2",
                    ),
                    html.Div(id=ids.control_feedback),
                    html.H6("Adjust ranges", className="mt-3"),
                    html.P(
                        "Applies to trials suggested from then on; each change is recorded and "
                        "marked on the history plot.",
                        className="text-muted small mb-2",
                    ),
                    html.Div(id=ids.ranges_form),
                    dbc.Button("Apply ranges", id=ids.ranges_apply, color="primary",
                               size="sm"),
                    html.Div(id=ids.ranges_feedback, className="mt-2"),
                ]
            ),
        ],
        id=ids.controls,
        class_name="mb-3",
        style=components.HIDDEN,
    )


def _request(run_id: int, kind: str, user_id: int | None, payload: Any = None) -> str:
    with services.database().session() as session:
        request_control(session, run_id, kind, payload, requested_by=user_id)
    return f"{kind.capitalize()} requested; the driver confirms it within a few seconds."


def _resume(run_id: int, status: str, user_id: int | None) -> tuple[str, str]:
    if status == RunStatus.paused:
        from cluster.launch import submit
        from cluster.launch.start import start_runs

        with services.database().session() as session:
            run = get_run(session, run_id)
            exiting = run is not None and run.ray_job_id is None and submit.is_driver_alive(run)
        if exiting:
            text = ("The paused run's driver is still saving its state and exiting; press "
                    "Resume again in a few seconds.")
            return text, "warning"
        started = start_runs([run_id], services.state().settings, db=services.database())
        if run_id in started.failures:
            return f"Could not resume: {started.failures[run_id]}", "danger"
        return "Resumed: the driver is starting again with the same study.", "success"
    if status in UNDER_WAY_RUN_STATUSES:
        return _request(run_id, "resume", user_id), "success"
    return f"Nothing to resume: the run is {status}.", "warning"


def _stop(run_id: int) -> tuple[str, str]:
    from cluster.launch import submit

    try:
        outcome = submit.stop_run(
            run_id, services.state().settings, timeout_s=0, db=services.database()
        )
    except submit.SubmitError as error:
        return f"Could not stop: {error}", "danger"
    if outcome.request_id is None:
        return f"The run is {outcome.status}.", "success"
    return "Stop requested; running trials end and their results are kept.", "success"


def perform(access: Access, action: str) -> tuple[str, str]:
    """Carry out one control action for a checked editor; returns (message, colour)."""
    run_id = access.run_id
    if run_id is None:
        return "No such run.", "danger"
    with services.database().session() as session:
        run = get_run(session, run_id)
        status = run.status if run is not None else None
    if status is None:
        return "No such run.", "danger"
    if status in TERMINAL_RUN_STATUSES:
        return f"The run has finished ({status}); it takes no more requests.", "warning"
    user_id = access.principal.user_id
    try:
        if action == "pause":
            if status == RunStatus.paused:
                return "The run is already paused.", "info"
            return _request(run_id, "pause", user_id), "success"
        if action == "resume":
            return _resume(run_id, status, user_id)
        if action == "stop":
            return _stop(run_id)
    except (InvalidState, NotFound) as error:
        return str(error), "warning"
    return "Unknown action.", "danger"


def _edits(lows: Any, highs: Any, logs: Any, steps: Any, ids_by_field: Any) -> dict[str, dict]:
    edits: dict[str, dict[str, Any]] = {}
    for field_name, values, keys in zip(
        ("low", "high", "log", "step"), (lows, highs, logs, steps), ids_by_field, strict=True
    ):
        for key, value in zip(keys or [], values or [], strict=False):
            name = key.get("param") if isinstance(key, dict) else None
            if isinstance(name, str):
                edits.setdefault(name, {})[field_name] = value
    return edits


def act(access: Access, pause: Any, resume: Any, stop: Any, run_id: Any) -> Any:
    action = dash.ctx.triggered_id
    if action not in (ids.pause, ids.resume, ids.stop):
        raise dash.exceptions.PreventUpdate
    text, color = perform(access, str(action).removeprefix("run-"))
    return components.message(text, color)


def _apply(access: Access, space: dict[str, Any], status: str, edits: dict[str, dict]
           ) -> tuple[str, str, dict[str, dict[str, str]]]:
    """Check the edited ranges and request them; (message, colour, problems by parameter)."""
    check = check_ranges(space, edits)
    if check.problems:
        return "Nothing was changed: fix the ranges marked in red.", "danger", check.problems
    if not check.changed:
        return "No range was changed.", "info", check.problems
    if status in TERMINAL_RUN_STATUSES:
        text = f"The run has finished ({status}); its ranges can no longer change."
        return text, "warning", check.problems
    try:
        _request(access.run_id, "ranges", access.principal.user_id, check.space)
    except (InvalidState, NotFound, ValueError) as error:
        return str(error), "warning", check.problems
    changed = ", ".join(check.changed)
    text = (
        f"New ranges requested for {changed}; trials suggested after the driver "
        "confirms use them."
    )
    return text, "success", check.problems


def apply_ranges(access: Access, clicks: Any, run_id: Any, **fields: Any) -> Any:
    message_ids = dash.ctx.outputs_list[1] if dash.ctx.outputs_list else []
    names = [item["id"].get("param") for item in message_ids]
    edits = _edits(
        fields["lows"], fields["highs"], fields["logs"], fields["steps"],
        (fields["low_ids"], fields["high_ids"], fields["log_ids"], fields["step_ids"]),
    )
    with services.database().session() as session:
        run = get_run(session, access.run_id)
        space = dict(run.current_space or (run.spec or {}).get("space") or {})
        status = run.status
    text, color, problems = _apply(access, space, status, edits)
    per_param = [
        "; ".join(f"{f}: {m}" for f, m in problems.get(n, {}).items()) for n in names
    ]
    return components.message(text, color), per_param


def register_control_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=Output(ids.control_feedback, "children"),
        inputs={
            "pause": Input(ids.pause, "n_clicks"),
            "resume": Input(ids.resume, "n_clicks"),
            "stop": Input(ids.stop, "n_clicks"),
        },
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(act)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[
            Output(ids.ranges_feedback, "children"),
            Output({"type": ids.range_message, "param": ALL}, "children"),
        ],
        inputs={"clicks": Input(ids.ranges_apply, "n_clicks")},
        state={"run_id": State(ids.run, "data"), **RANGE_FIELDS},
        prevent_initial_call=True,
    )(apply_ranges)
