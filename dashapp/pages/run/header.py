"""The run page's header, drawn from a ``HeaderRecord`` (all user data goes in as text)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashapp import components
from dashapp.pages.run.live.header import HeaderRecord, format_duration

__all__ = ["render_header"]

MAX_PARAMS_SHOWN = 12


def _stat(label: str, value: Any, stat_id: str | None = None) -> html.Div:
    body = html.Div(value, className="fs-5", id=stat_id) if stat_id else html.Div(
        value, className="fs-5"
    )
    return html.Div([html.Div(label, className="text-muted small"), body], className="me-4 mb-2")


def _params_text(params: dict[str, Any]) -> str:
    items = list(params.items())
    text = ", ".join(f"{name}={components.format_value(v) if isinstance(v, float) else v}"
                     for name, v in items[:MAX_PARAMS_SHOWN])
    if len(items) > MAX_PARAMS_SHOWN:
        text += f", … ({len(items) - MAX_PARAMS_SHOWN} more)"
    return text


def render_header(record: HeaderRecord) -> list[Any]:
    counts = record.counts
    progress_text = f"{record.done} / {record.budget}" if record.budget else str(record.done)
    best = "—"
    if record.best_value is not None:
        best = f"{components.format_value(record.best_value)} (trial {record.best_number})"
    resources = f"{record.counts.get('running', 0)} running"
    if record.running_cpu:
        resources += f" · {record.running_cpu:g} CPU"
    if record.running_gpu:
        resources += f" · {record.running_gpu:g} GPU"
    children: list[Any] = [
        html.Div(
            [
                components.status_badge(record.status),
                html.Span(
                    f"{record.pending} requested, waiting for the driver to confirm",
                    className="ms-2 text-muted",
                    id="run-pending-control",
                )
                if record.pending
                else None,
            ],
            className="mb-2",
        ),
        dbc.Progress(
            value=record.percent or 0,
            label=progress_text,
            class_name="mb-3",
            style={"height": "1.3rem"},
            id="run-progress",
        ),
        html.Div(
            [
                _stat("Trials done / budget", progress_text, "run-progress-text"),
                _stat("ETA", format_duration(record.eta_s) if record.eta_s is not None else "—"),
                _stat(f"Best {record.metric} ({record.direction})", best, "run-best"),
                _stat(
                    "Complete / pruned / failed / running",
                    f"{counts.get('complete', 0)} / {counts.get('pruned', 0)} / "
                    f"{counts.get('failed', 0)} / {counts.get('running', 0)}",
                    "run-counts",
                ),
                _stat("Resources in use", resources, "run-resources"),
            ],
            className="d-flex flex-wrap",
        ),
    ]
    if record.best_params:
        children.append(
            html.Div(
                ["Best parameters: ", html.Code(_params_text(dict(record.best_params)))],
                className="small mb-2",
                id="run-best-params",
            )
        )
    if record.workers:
        children.append(
            html.Div("Running on: " + "; ".join(record.workers), className="small text-muted")
        )
    if record.status == "failed":
        children.append(
            dbc.Alert(
                [
                    html.Strong("This run failed: "),
                    html.Span(record.reason or "no reason was recorded."),
                    html.Div(record.advice, className="mt-1"),
                ],
                color="danger",
                class_name="mt-2 mb-0",
                id="run-failure",
            )
        )
    elif record.advice:
        text = record.advice if not record.reason else f"{record.reason} — {record.advice}"
        children.append(dbc.Alert(text, color="secondary", class_name="mt-2 mb-0 py-2"))
    return children
