"""The run's header: status, progress, ETA, best so far, counts and resources in use.

``header_record`` computes a ``HeaderRecord`` from the run and its counts; ``render_header``
draws it (all user data goes in as text).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashapp import components
from dashapp.pages.run.live.records import RunInfo, to_utc
from optunagui.status import TERMINAL_RUN_STATUSES, RunStatus

__all__ = ["HeaderRecord", "format_duration", "header_record", "render_header", "status_advice"]

MAX_PARAMS_SHOWN = 12
QUICK_NOTE = ("Quick mode: few trials with aggressive pruning on a stratified subsample; "
              "a first look, not a final result.")


@dataclass(frozen=True)
class HeaderRecord:
    status: str
    reason: str | None
    done: int
    budget: int | None
    counts: Mapping[str, int]
    elapsed_s: float | None
    eta_s: float | None
    best_number: int | None
    best_value: float | None
    best_params: Mapping[str, Any]
    metric: str
    direction: str
    running_cpu: float
    running_gpu: float
    workers: tuple[str, ...] = field(default_factory=tuple)
    pending: str | None = None
    advice: str | None = None
    quick: bool = False

    @property
    def percent(self) -> float | None:
        if not self.budget:
            return None
        return min(100.0, 100.0 * self.done / self.budget)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def status_advice(status: str, reason: str | None) -> str | None:
    """What a person can do about the run's state."""
    if status == RunStatus.failed:
        return (
            "The run stopped with an error; the trials it finished are kept. Read the reason "
            "above and the failed trials' errors in the table, fix the cause (data, ranges, "
            "resources), then start it again with “Re-run with one change”. "
            "`optunagui status RUN_ID` shows the driver's log."
        )
    if status == RunStatus.paused:
        return "No new trials start while the run is paused. Resume continues it, same study."
    if status == RunStatus.queued:
        return "Waiting for the driver to start. If it stays queued, check the cluster."
    if status == RunStatus.stopped:
        return "Stopped: the trials finished so far are kept; clone it to run more."
    return None


def header_record(
    run: RunInfo,
    counts: Mapping[str, int],
    *,
    best: tuple[int, float] | None,
    best_params: Mapping[str, Any],
    workers: Iterable[str],
    now: datetime,
    quick: bool = False,
) -> HeaderRecord:
    done = sum(counts.get(state, 0) for state in ("complete", "pruned", "failed"))
    running = counts.get("running", 0)
    started = to_utc(run.started_at)
    finished = run.status in TERMINAL_RUN_STATUSES and run.finished_at
    end = to_utc(run.finished_at) if finished else to_utc(now)
    elapsed = (end - started).total_seconds() if started is not None and end else None
    eta = None
    if run.status == RunStatus.running and elapsed and done:
        estimates = []
        if run.n_trials_budget:
            remaining = max(run.n_trials_budget - done, 0)
            estimates.append(remaining * elapsed / done)
        if run.timeout_s:
            estimates.append(max(run.timeout_s - elapsed, 0.0))
        eta = min(estimates) if estimates else None
    pending = None
    if run.pending_control and run.status not in TERMINAL_RUN_STATUSES:
        pending = str(run.pending_control.get("kind"))
    return HeaderRecord(
        status=run.status,
        reason=run.status_reason,
        done=done,
        budget=run.n_trials_budget,
        counts=dict(counts),
        elapsed_s=elapsed,
        eta_s=eta,
        best_number=best[0] if best else None,
        best_value=best[1] if best else None,
        best_params=dict(best_params),
        metric=run.metric,
        direction=run.direction,
        running_cpu=running * run.cpu_per_trial,
        running_gpu=running * run.gpu_per_trial,
        workers=tuple(sorted(set(workers))),
        pending=pending,
        advice=status_advice(run.status, run.status_reason),
        quick=quick,
    )


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


def _stats(record: HeaderRecord, progress_text: str) -> html.Div:
    counts = record.counts
    best = "—"
    if record.best_value is not None:
        best = f"{components.format_value(record.best_value)} (trial {record.best_number})"
    resources = f"{counts.get('running', 0)} running"
    if record.running_cpu:
        resources += f" · {record.running_cpu:g} CPU"
    if record.running_gpu:
        resources += f" · {record.running_gpu:g} GPU"
    return html.Div(
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
    )


def _advice(record: HeaderRecord) -> dbc.Alert | None:
    if record.status == RunStatus.failed:
        return dbc.Alert(
            [
                html.Strong("This run failed: "),
                html.Span(record.reason or "no reason was recorded."),
                html.Div(record.advice, className="mt-1"),
            ],
            color="danger",
            class_name="mt-2 mb-0",
            id="run-failure",
        )
    if record.advice:
        text = record.advice if not record.reason else f"{record.reason} — {record.advice}"
        return dbc.Alert(text, color="secondary", class_name="mt-2 mb-0 py-2")
    return None


def _quick_note() -> html.Div:
    return html.Div(
        [components.quick_badge(id="run-quick-badge"),
         html.Span(QUICK_NOTE, className="ms-2 small text-muted")],
        className="mb-2",
    )


def render_header(record: HeaderRecord) -> list[Any]:
    """The header's components: a quick run's note first, then status, progress and counts."""
    progress_text = f"{record.done} / {record.budget}" if record.budget else str(record.done)
    pending = html.Span(
        f"{record.pending} requested, waiting for the driver to confirm",
        className="ms-2 text-muted",
        id="run-pending-control",
    ) if record.pending else None
    children: list[Any] = [_quick_note()] if record.quick else []
    children += [
        html.Div([components.status_badge(record.status), pending], className="mb-2"),
        dbc.Progress(
            value=record.percent or 0,
            label=progress_text,
            class_name="mb-3",
            style={"height": "1.3rem"},
            id="run-progress",
        ),
        _stats(record, progress_text),
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
    advice = _advice(record)
    if advice is not None:
        children.append(advice)
    return children
