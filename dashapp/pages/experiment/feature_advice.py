"""The experiment page's "Feature recommendations" card: the recommendations of the experiment's
runs of built-in models on one dataset, joined (a column is flagged when most of them flag
it), computed in the app's feature-selection jobs on request and polled. Viewers may ask; the
runs left out (another dataset, own code, no complete trial) are listed with their reason."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, feature_jobs, guard
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids as page_ids
from dashapp.permissions import Role
from optunagui.analysis import ExperimentFeatureAdvice

__all__ = ["experiment_advice_card", "experiment_advice_ids", "register_experiment_advice",
           "show_experiment_feature_advice"]

POLL_MS = 2000


class experiment_advice_ids:
    card = "experiment-feature-advice-card"
    start = "experiment-feature-advice-start"
    poll = "experiment-feature-advice-poll"
    result = "experiment-feature-advice-result"


def experiment_advice_card() -> dbc.Card:
    return dbc.Card([
        dbc.CardHeader("Feature recommendations"),
        dbc.CardBody([
            html.Div("Columns that most runs on this experiment's dataset could do without, "
                     "from each run's best trials refitted per fold.",
                     className="small text-muted mb-2"),
            dbc.Button("Recommend features", id=experiment_advice_ids.start, size="sm",
                       color="secondary", class_name="mb-2"),
            dcc.Interval(id=experiment_advice_ids.poll, interval=POLL_MS, disabled=True),
            html.Div(id=experiment_advice_ids.result),
        ]),
    ], id=experiment_advice_ids.card, class_name="mb-3")


def _joined(advice: ExperimentFeatureAdvice) -> list[Any]:
    rows = [[c.column, "drop" if c.flagged else "keep",
             f"{len(c.flagged_in)} of {len(c.verdicts)}", f"{c.effect:+.3g}",
             ", ".join(c.partners) or "—"] for c in advice.columns]
    table = components.table(
        ["column", "advice", "runs flagging it", f"mean effect on {advice.metric}",
         "kept partner"], rows, id="experiment-feature-advice-table")
    left = [html.Li(f"{label}: {why}") for label, why in advice.left_out.items()]
    return [html.Div(advice.summary, className="mb-2"), table,
            html.Ul(left, className="small text-muted") if left else None]


def show_experiment_feature_advice(access: Access, clicks: Any, tick: Any,
                                   experiment_id: Any) -> tuple[Any, bool]:
    assert access.experiment_id is not None
    if dash.ctx.triggered_id == experiment_advice_ids.start and clicks:
        view = feature_jobs.start_experiment(access.experiment_id)
    else:
        view = feature_jobs.experiment_view(access.experiment_id)
    if view.status == "none":
        return None, True
    if view.status in ("running", "busy"):
        return components.message(view.message or "Refitting the runs' best trials…",
                                  "info"), False
    if view.status == "failed":
        return components.message(str(view.message), "warning"), True
    return _joined(view.result), True


def register_experiment_advice(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=[Output(experiment_advice_ids.result, "children"),
                Output(experiment_advice_ids.poll, "disabled")],
        inputs={"clicks": Input(experiment_advice_ids.start, "n_clicks"),
                "tick": Input(experiment_advice_ids.poll, "n_intervals")},
        state={"experiment_id": State(page_ids.experiment, "data")},
    )(show_experiment_feature_advice)
