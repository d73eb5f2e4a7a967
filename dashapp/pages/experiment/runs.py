"""The experiment page's runs card: pinning a run as the baseline (editors), and the "Compare
selected" link that follows the ticked runs in the browser."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx

from dashapp import components, guard, services
from dashapp.components import buttons
from dashapp.components.feedback import action_outputs
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.paths import JS_APP_PATH
from dashapp.permissions import Role
from optunagui.store import experiments as experiment_store
from optunagui.store.errors import NotFound

__all__ = ["COMPARE_HREF", "pin_baseline", "register_runs_card", "set_baseline"]

# The "Compare selected" link follows the ticked runs in the browser (no server round trip).
COMPARE_HREF = """
function(selected, options) {
    var appPath = """ + JS_APP_PATH + """;
    var ids = (selected || []).slice().sort(function(a, b) { return a - b; });
    var show = (options || []).length > 1 ? {} : {"display": "none"};
    var href = appPath(ids.length ? "/compare?runs=" + ids.join(",") : "/compare");
    var link = ids.length > 1 ? "btn btn-sm btn-outline-primary"
                              : "btn btn-sm btn-outline-primary disabled";
    return [href, link, show];
}
"""


def set_baseline(experiment_id: Any, run_id: int, action: Any) -> Any:
    """Pin the run as the experiment's baseline, or unpin it if it is the baseline."""
    if action not in ("pin", "unpin"):
        raise dash.exceptions.PreventUpdate
    with services.database().session() as session:
        experiment = experiment_store.get_experiment(session, experiment_id)
        if experiment is None:
            raise dash.exceptions.PreventUpdate
        if action == "unpin":
            if experiment.baseline_run_id != run_id:
                return components.message(f"Run #{run_id} is not the baseline.", "warning")
            experiment_store.set_baseline_run(session, experiment_id, None)
            return components.message(f"Run #{run_id} is no longer the baseline.", "success")
        try:
            experiment_store.set_baseline_run(session, experiment_id, run_id)
        except (NotFound, ValueError):
            return components.message(f"Run #{run_id} is not a run of this experiment.",
                                      "danger")
    return components.message(
        f"Run #{run_id} is now the baseline: comparisons of this experiment's runs include it.",
        "success")


def pin_baseline(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
    run_id = buttons.clicked_id(clicks, "run")
    action = ctx.triggered_id.get("action")
    return set_baseline(access.experiment_id, run_id, action), buttons.bump(refresh)


def register_runs_card(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.editor, "experiment_id"),
        output=action_outputs(ids.baseline_feedback, ids.refresh),
        inputs={"clicks": Input({"type": components.BASELINE_BUTTON, "run": ALL,
                                 "action": ALL}, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(pin_baseline)
    app.clientside_callback(
        COMPARE_HREF,
        Output(ids.compare_link, "href"),
        Output(ids.compare_link, "className"),
        Output(ids.compare_box, "style"),
        Input(ids.compare_runs, "value"),
        Input(ids.compare_runs, "options"),
    )
