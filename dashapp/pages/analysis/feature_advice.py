"""The Features tab's Recommendations: which input columns the run could do without, each with
its evidence; for editors a "Test dropping them" button (the best configuration re-evaluated
with and without them, a paired test and its verdict) and a link that opens the wizard with
them switched off.

Both computations run in the app's feature-selection jobs (``dashapp.feature_jobs``); the
section polls until the outcome lands. A run of the user's own code or an attached study gets
one line saying why there is nothing to recommend.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, feature_jobs, guard
from dashapp.code_runs import NOT_REFITTABLE, runs_builtin_model
from dashapp.components import HIDDEN, SHOWN
from dashapp.guard import Access
from dashapp.pages.analysis.ids import ids as page_ids
from dashapp.pages.new_run.wizard.prefill import new_run_href
from dashapp.permissions import Role
from optunagui.analysis import FeatureAblation, FeatureRecommendations, FeatureSelectionError
from optunagui.analysis.feature_selection import TOP_TRIALS

__all__ = [
    "ADVICE_OUTPUTS",
    "advice_ids",
    "advice_section",
    "advice_table",
    "register_feature_advice_callbacks",
    "show_feature_advice",
    "test_dropping_features",
]

POLL_MS = 1500
EXPLAIN = (f"Refits the {TOP_TRIALS} best trials on each fold and measures every column: "
           "permutation importance and mean |SHAP| with their intervals over the folds, "
           "duplicates and strong correlations. Takes seconds to tens of seconds.")
VERDICT_COLORS = {"keep": "secondary", "negligible": "warning", "redundant": "info"}


class advice_ids:
    start = "analysis-feature-advice-start"
    poll = "analysis-feature-advice-poll"
    status = "analysis-feature-advice-status"
    table = "analysis-feature-advice-table"
    actions = "analysis-feature-advice-actions"
    test = "analysis-feature-advice-test"
    test_poll = "analysis-feature-advice-test-poll"
    verdict = "analysis-feature-advice-verdict"
    rerun = "analysis-feature-advice-rerun"


def advice_section() -> dbc.Card:
    actions = html.Div([
        dbc.Button("Test dropping them", id=advice_ids.test, size="sm", color="primary",
                   class_name="me-2"),
        dcc.Link("Re-run without them", id=advice_ids.rerun, href="",
                 className="btn btn-sm btn-outline-primary"),
        dcc.Interval(id=advice_ids.test_poll, interval=POLL_MS, disabled=True),
        html.Div(id=advice_ids.verdict, className="mt-2"),
    ], id=advice_ids.actions, style=HIDDEN, className="mt-2")
    return dbc.Card([
        dbc.CardHeader("Recommendations"),
        dbc.CardBody([
            html.Div(EXPLAIN, className="small text-muted mb-2"),
            dbc.Button("Find columns to drop", id=advice_ids.start, size="sm",
                       color="secondary", class_name="mb-2"),
            dcc.Interval(id=advice_ids.poll, interval=POLL_MS, disabled=True),
            html.Div(id=advice_ids.status),
            html.Div(id=advice_ids.table),
            actions,
        ]),
    ], class_name="mb-3")


def _interval(value: Any) -> str:
    return f"{value.mean:+.3g} ({value.low:+.3g}..{value.high:+.3g})"


def advice_table(record: FeatureRecommendations) -> dbc.Table:
    headers = ["column", "verdict", f"effect of dropping ({record.metric}, 95% CI)",
               *(f"trial {n}: permutation" for n in record.trials), "mean |SHAP|", "why"]
    rows = []
    for advice in record.columns:
        shap = [v.mean for v in advice.shap.values() if v.n]
        rows.append([
            advice.column,
            dbc.Badge(advice.verdict, color=VERDICT_COLORS[advice.verdict]),
            _interval(advice.effect),
            *(_interval(advice.permutation[n]) for n in record.trials),
            f"{sum(shap) / len(shap):.3g}" if shap else "—",
            html.Span(advice.reason, className="small"),
        ])
    return components.table(headers, rows, id="analysis-feature-advice-evidence")


ADVICE_OUTPUTS = {
    "status": Output(advice_ids.status, "children"),
    "table": Output(advice_ids.table, "children"),
    "done": Output(advice_ids.poll, "disabled"),
    "actions": Output(advice_ids.actions, "style"),
    "rerun": Output(advice_ids.rerun, "href"),
}


def _note(text: str, color: str = "info", *, done: bool = True) -> dict[str, Any]:
    return {"status": components.message(text, color, id="analysis-feature-advice-message"),
            "table": None, "done": done, "actions": HIDDEN, "rerun": ""}


def _outcome(access: Access, view: feature_jobs.JobView) -> dict[str, Any]:
    if view.status == "none":
        return {"status": None, "table": None, "done": True, "actions": HIDDEN, "rerun": ""}
    if view.status in ("running", "busy"):
        return _note(view.message or "Refitting the best trials on each fold…", done=False)
    if view.status == "failed":
        return _note(str(view.message), "warning")
    record: FeatureRecommendations = view.result
    editor = access.role is not None and access.role >= Role.editor
    can_act = editor and bool(record.drop) and access.experiment_id is not None
    href = (new_run_href(access.experiment_id, access.run_id, drop=record.drop)
            if can_act and access.experiment_id is not None and access.run_id is not None
            else "")
    return {"status": html.Div(record.summary, className="small mb-2"),
            "table": advice_table(record), "done": True,
            "actions": SHOWN if can_act else HIDDEN, "rerun": href}


def show_feature_advice(access: Access, tab: Any, clicks: Any, tick: Any,
                        run_id: Any) -> dict[str, Any]:
    if tab != "features":
        raise dash.exceptions.PreventUpdate
    assert access.run_id is not None
    if not runs_builtin_model(access.run_id):
        return _note(f"No recommendations. {NOT_REFITTABLE}")
    try:
        if dash.ctx.triggered_id == advice_ids.start and clicks:
            view = feature_jobs.start_run(access.run_id)
        else:
            view = feature_jobs.run_view(access.run_id)
    except FeatureSelectionError as error:
        return _note(str(error))
    return _outcome(access, view)


def _verdict(ablation: FeatureAblation) -> Any:
    color = "success" if ablation.advice == "drop" else (
        "warning" if ablation.advice == "keep" else "secondary")
    mean = sum(ablation.with_all) / len(ablation.with_all)
    without = sum(ablation.without) / len(ablation.without)
    detail = (f"Trial {ablation.trial_number} re-evaluated in quick mode over "
              f"{ablation.n_seeds} seeds × {ablation.folds_per_seed} folds: {ablation.metric} "
              f"{mean:.4g} with every column, {without:.4g} without.")
    return components.message([html.Div(ablation.verdict),
                               html.Div(detail, className="small")], color,
                              id="analysis-feature-advice-ablation")


def test_dropping_features(access: Access, clicks: Any, tick: Any, run_id: Any
                           ) -> tuple[Any, bool]:
    """Start the test of dropping the recommended columns, or show how it stands."""
    assert access.run_id is not None
    try:
        found = feature_jobs.run_view(access.run_id)
        if found.status != "done" or not found.result.drop:
            return components.message("Find the columns to drop first.", "info"), True
        drop = found.result.drop
        if dash.ctx.triggered_id == advice_ids.test:
            view = feature_jobs.start_ablation(access.run_id, drop)
        else:
            view = feature_jobs.ablation_view(access.run_id, drop)
    except FeatureSelectionError as error:
        return components.message(str(error), "warning"), True
    if view.status in ("running", "busy"):
        return components.message(view.message or f"Re-evaluating with and without "
                                  f"{', '.join(drop)}…", "info"), False
    if view.status == "failed":
        return components.message(str(view.message), "warning"), True
    if view.status == "none":
        return None, True
    return _verdict(view.result), True


def register_feature_advice_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=ADVICE_OUTPUTS,
        inputs={"tab": Input(page_ids.tabs, "active_tab"),
                "clicks": Input(advice_ids.start, "n_clicks"),
                "tick": Input(advice_ids.poll, "n_intervals")},
        state={"run_id": State(page_ids.run, "data")},
    )(show_feature_advice)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[Output(advice_ids.verdict, "children"),
                Output(advice_ids.test_poll, "disabled")],
        inputs={"clicks": Input(advice_ids.test, "n_clicks"),
                "tick": Input(advice_ids.test_poll, "n_intervals")},
        state={"run_id": State(page_ids.run, "data")},
        prevent_initial_call=True,
    )(test_dropping_features)
