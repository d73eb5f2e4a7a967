"""The run page's "Replay" for editors: a new run with this run's exact spec, dataset version
and seeds, started at once; the page then opens the new run."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.replay import ReplayError, create_replay

__all__ = ["register_replay_callbacks", "replay", "replay_button", "replay_slots"]

BUTTON = "run-replay"  # pattern-matching type: the button exists only for editors
REDIRECT, FEEDBACK = "run-replay-redirect", "run-replay-feedback"


def replay_button() -> dbc.Button:
    return dbc.Button("Replay", id={"type": BUTTON, "index": 0}, size="sm", color="secondary",
                      outline=True, class_name="ms-3",
                      title="Run again with the same spec, dataset version and seeds")


def replay_slots() -> html.Div:
    return html.Div([dcc.Location(id=REDIRECT, refresh=True), html.Div(id=FEEDBACK)])


def replay(access: Access, clicks: Any, run_id: Any) -> Any:
    """Create the replay and start it; open it, or say why it could not be made or started."""
    if not any(isinstance(c, int) and c > 0 for c in clicks or []):
        raise dash.exceptions.PreventUpdate
    # Ray loads with the cluster package: the dashboard imports it only to start runs.
    from cluster.launch.start import start_runs

    try:
        with services.database().session() as session:
            made = create_replay(session, access.run_id, created_by=access.principal.user_id)
    except ReplayError as error:
        return dash.no_update, components.message(str(error), "warning")
    started = start_runs([made.run_id], services.state().settings, db=services.database())
    if made.run_id in started.failures:
        text = (f"Run {made.run_id} was created but could not start: "
                f"{started.failures[made.run_id]}")
        return dash.no_update, components.message(text, "danger")
    return app_path(f"/runs/{made.run_id}"), None


def register_replay_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[Output(REDIRECT, "href"), Output(FEEDBACK, "children")],
        inputs={"clicks": Input({"type": BUTTON, "index": ALL}, "n_clicks")},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(replay)
