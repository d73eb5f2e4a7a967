"""The features step's "Columns worth dropping" panel: its components (hidden until the draft's
dataset is one an earlier run of this experiment used) and what it draws from the experiment's
feature recommendations (``optunagui.analysis.ExperimentFeatureAdvice``): each flagged column
with its evidence line, and "Switch these off"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from optunagui.analysis import ExperimentColumnAdvice, ExperimentFeatureAdvice

__all__ = ["POLL_MS", "advice_lines", "evidence_line", "feature_advice_ids",
           "feature_advice_panel"]

POLL_MS = 2000


class feature_advice_ids:
    panel = "new-run-feature-advice"
    start = "new-run-feature-advice-start"
    poll = "new-run-feature-advice-poll"
    result = "new-run-feature-advice-result"
    switch_off = "new-run-feature-advice-switch-off"
    status = "new-run-feature-advice-status"


def feature_advice_panel() -> html.Div:
    """The panel, hidden; the callback shows it when an earlier run used the same dataset."""
    return html.Div([
        html.H6("Columns worth dropping", className="mt-3"),
        html.Div("Earlier runs of this experiment used this dataset: their best trials, "
                 "refitted per fold, say which columns they could do without.",
                 className="small text-muted mb-2"),
        dbc.Button("Check earlier runs' features", id=feature_advice_ids.start, size="sm",
                   color="secondary", outline=True, class_name="mb-2"),
        dcc.Interval(id=feature_advice_ids.poll, interval=POLL_MS, disabled=True),
        html.Div(id=feature_advice_ids.result),
        html.Div([
            dbc.Button("Switch these off", id=feature_advice_ids.switch_off, size="sm",
                       color="primary", class_name="me-2"),
            html.Span(id=feature_advice_ids.status, className="small text-muted"),
        ], id=f"{feature_advice_ids.switch_off}-row", style=HIDDEN, className="mb-2"),
    ], id=feature_advice_ids.panel, style=HIDDEN)


def evidence_line(column: ExperimentColumnAdvice, metric: str) -> str:
    runs = len(column.verdicts)
    line = (f"{column.column}: flagged by {len(column.flagged_in)} of {runs} "
            f"run{'s' if runs != 1 else ''}; dropping it changes {metric} by "
            f"{column.effect:+.3g} on average")
    if column.partners:
        line += f"; a kept column carries the same signal ({', '.join(column.partners)})"
    return line


def advice_lines(advice: ExperimentFeatureAdvice, columns: Sequence[str]) -> list[Any]:
    """The summary and one evidence line per flagged column the draft's table holds."""
    shown = [c for c in advice.columns if c.flagged and c.column in columns]
    items = [html.Li(evidence_line(c, advice.metric)) for c in shown]
    return [html.Div(advice.summary, className="small mb-1"),
            html.Ul(items, className="small", id="new-run-feature-advice-list") if items
            else None]
