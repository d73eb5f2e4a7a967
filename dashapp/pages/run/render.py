"""The run page's first render: the run read once (``dashapp.pages.run.live.load_snapshot``) and
every view built from it, both shared by viewers at the same event cursor
(``live.first_render``); a refusal, an unknown run and a malformed id all get the same message
and nothing of the run.

The header and the history come first; the other figures travel in the same answer but are
handed to their graphs only after the browser has painted the history (``DRAW_DEFERRED``), so a
reader sees the run's progress without waiting for every figure. Polling starts with them, so no
poll patches a figure before it is drawn.
"""

from __future__ import annotations

import json
from typing import Any

import dash
from dash import Input, Output, dcc

from dashapp import components, guard, services
from dashapp.code_runs import run_is_attached, runs_builtin_model
from dashapp.guard import Access, Denial
from dashapp.pages.run.controls import controls_style
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live.first_render import load_first_render
from dashapp.pages.run.progress import clock, header
from dashapp.pages.run.ranges import ranges_form
from dashapp.pages.run.replay import replay_button
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.status import TERMINAL_RUN_STATUSES

__all__ = ["DEFERRED_VIEWS", "FIRST_OUTPUTS", "NOT_AVAILABLE", "first_render",
           "register_render_callbacks", "show_run"]

NOT_AVAILABLE = "This run does not exist, or you have no access to it."
FIRST_OUTPUTS = {
    "denied": Output(ids.denied, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "links": Output(ids.links, "children"),
    "header": Output(ids.header, "children"),
    "controls": Output(ids.controls, "style"),
    "ranges": Output(ids.ranges_form, "children"),
    "history": Output(ids.history, "figure"),
    "x_options": Output(ids.scatter_x, "options"),
    "y_options": Output(ids.scatter_y, "options"),
    "x_param": Output(ids.scatter_x, "value"),
    "y_param": Output(ids.scatter_y, "value"),
    "state": Output(ids.state, "data"),
    "clock": Output(ids.clock, "data"),
    "axes": Output(ids.scatter_axes, "data"),
    "deferred": Output(ids.deferred, "data"),
}
#: The views the browser draws after the history (the trials table's columns too: building
#: them and fetching the first rows holds the page as long as a figure), and the poll switch.
DEFERRED_OUTPUTS = {
    "curves": Output(ids.curves, "figure"),
    "scatter": Output(ids.scatter, "figure"),
    "timeline": Output(ids.timeline, "figure"),
    "columns": Output(ids.grid, "columnDefs"),
    "poll_off": Output(ids.poll, "disabled"),
}
DEFERRED_VIEWS = tuple(DEFERRED_OUTPUTS)
DRAW_DEFERRED = """async (views) => {
    const no = window.dash_clientside.no_update;
    const names = NAMES;
    if (!views) { return names.map(() => no); }
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
    return names.map((k) => k in views ? views[k] : no);
}""".replace("NAMES", json.dumps(DEFERRED_VIEWS))


def first_render(*, denied: Any, body: dict[str, str], poll_off: bool,
                 **shown: Any) -> dict[str, Any]:
    """The first render's outputs by name; the views not in ``shown`` stay as they are. The
    deferred views among ``shown`` (``DEFERRED_VIEWS``) go out together in ``deferred``."""
    deferred = {name: shown.pop(name) for name in DEFERRED_VIEWS if name in shown}
    unknown = set(shown) - set(FIRST_OUTPUTS)
    if unknown:
        raise ValueError(f"not an output of the first render: {sorted(unknown)}")
    values: dict[str, Any] = dict.fromkeys(FIRST_OUTPUTS, dash.no_update)
    values.update(denied=denied, body=body, deferred={**deferred, "poll_off": poll_off},
                  **shown)
    return values


def _denied(_denial: Denial) -> dict[str, Any]:
    message = components.message(NOT_AVAILABLE, "warning", id="run-not-available")
    return first_render(denied=message, body=components.HIDDEN, poll_off=True)


def _links(access: Access, run: Any, attached: bool) -> list[Any]:
    """Experiment and analysis; for editors, the wizard with this run's settings (a run of
    the user's code has none the wizard can take) and Replay."""
    links: list[Any] = [
        dcc.Link("Experiment",
                 href=app_path(services.experiment_path(access.principal, run.experiment_id)),
                 className="me-3"),
        dcc.Link(
            "Analysis", href=app_path(f"/runs/{run.id}/analysis"), className="me-3",
            id="run-analysis-link",
        ),
    ]
    if access.holds(Role.editor) and runs_builtin_model(run.id):
        links.append(
            dcc.Link(
                "Re-run with one change",
                href=app_path(f"/experiments/{run.experiment_id}/new-run?clone={run.id}"),
                id="run-rerun-link",
            )
        )
    if access.holds(Role.editor) and not attached:
        links.append(replay_button())
    return links


def show_run(access: Access, run_id: Any) -> dict[str, Any]:
    loaded = load_first_render(services.database(), access.run_id)
    if loaded is None:
        return _denied(Denial("not-found"))
    snapshot, views = loaded
    run = snapshot.run
    attached = run_is_attached(run.id)
    options = [{"label": name, "value": name} for name in views.params]
    return first_render(
        denied=None,
        body=components.SHOWN,
        title=run.name,
        links=_links(access, run, attached),
        header=header(run, snapshot.counts, views.state),
        controls=components.HIDDEN if attached else controls_style(access, run.status),
        ranges=ranges_form(run.space) if access.holds(Role.editor) and not attached else None,
        history=views.history,
        curves=views.curves,
        scatter=views.scatter,
        timeline=views.timeline,
        x_options=options,
        y_options=options,
        x_param=views.x_param,
        y_param=views.y_param,
        columns=views.columns,
        state=views.state.to_data(),
        clock=clock(run),
        axes=views.axes,
        poll_off=run.status in TERMINAL_RUN_STATUSES,
    )


def register_render_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=FIRST_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data")},
        on_denied=_denied,
    )(show_run)
    app.clientside_callback(
        DRAW_DEFERRED,
        *DEFERRED_OUTPUTS.values(),
        Input(ids.deferred, "data"),
        prevent_initial_call=True,
    )
