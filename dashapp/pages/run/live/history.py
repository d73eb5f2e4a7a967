"""Optimization history: each complete trial's value, the best-so-far line, control markers.

Trace order (patches rely on it): 0 trials, 1 best so far, 2 control lines, 3 control labels,
4 warm-start trials (drawn again over their points, as stars, with a legend entry).
Control markers sit on a second y axis spanning the plot (0..1), so they never move the data's
own range.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import dash
import plotly.graph_objects as go

from dashapp.pages.run.live.records import EventRecord, TrialRecord, is_better
from dashapp.pages.run.live.sampling import sample_meta, sample_positions, sample_title, take

__all__ = [
    "ControlMark",
    "HistoryRecord",
    "add_point",
    "best_steps",
    "control_label",
    "control_mark",
    "extend_history",
    "history_patch",
    "history_record",
    "plot_history",
    "points_history",
]

TRIALS, BEST, CONTROL_LINES, CONTROL_LABELS, WARM_START = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class ControlMark:
    x: float
    label: str
    detail: str


@dataclass
class HistoryRecord:
    metric: str
    direction: str
    numbers: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    best_x: list[int] = field(default_factory=list)
    best_y: list[float] = field(default_factory=list)
    marks: list[ControlMark] = field(default_factory=list)
    best: tuple[int, float] | None = None
    line_x: int = -1
    warm: list[tuple[int, float]] = field(default_factory=list)  # warm-start trials' points


def _range_text(spec: Any) -> str:
    if not isinstance(spec, Mapping):
        return str(spec)
    if spec.get("type") in ("float", "int"):
        text = f"{spec.get('low')}–{spec.get('high')}"
        if spec.get("log"):
            text += " log"
        if spec.get("step") is not None:
            text += f" step {spec.get('step')}"
        return text
    if spec.get("type") == "categorical":
        return "{" + ", ".join(str(c) for c in spec.get("choices") or []) + "}"
    return str(spec.get("value"))


def control_label(metrics: Mapping[str, Any]) -> tuple[str, str]:
    """A short label and a longer description of a control event."""
    kind = str(metrics.get("kind") or "control")
    status = metrics.get("status")
    label = kind if not status else f"{kind} ({status})"
    lines = [label]
    old, new = metrics.get("old"), metrics.get("new")
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name in sorted(new):
            if old.get(name) != new.get(name):
                lines.append(f"{name}: {_range_text(old.get(name))} → {_range_text(new[name])}")
    elif kind == "ranges" and isinstance(metrics.get("payload"), Mapping):
        for name, spec in sorted(metrics["payload"].items()):
            lines.append(f"{name}: {_range_text(spec)}")
    if metrics.get("error"):
        lines.append(str(metrics["error"]))
    return label, "<br>".join(_escape(line) for line in lines)


def _escape(text: str) -> str:
    # Plotly renders a small HTML subset in hover text: user-written names go in as text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def control_mark(event: EventRecord, x: float) -> ControlMark:
    label, detail = control_label(event.metrics)
    return ControlMark(x=x, label=_escape(label), detail=detail)


def extend_history(record: HistoryRecord, trial: TrialRecord) -> bool:
    """Add a complete trial; returns True when it became the best so far."""
    value = trial.value
    if trial.state != "complete" or value is None:
        return False
    if trial.warm_start is not None:
        record.warm.append((trial.number, value))
    return add_point(record, trial.number, value)


def add_point(record: HistoryRecord, number: int, value: float) -> bool:
    """Add a complete trial's value; returns True when it became the best so far."""
    record.numbers.append(number)
    record.values.append(value)
    best_value = record.best[1] if record.best is not None else None
    improved = is_better(value, best_value, record.direction)
    if improved:
        record.best = (number, value)
    record.line_x = max(record.line_x, number)
    record.best_x.append(record.line_x)
    record.best_y.append(record.best[1])  # type: ignore[index]
    return improved


def points_history(points: Iterable[tuple[int, float]], controls: Sequence[EventRecord],
                   marks: Sequence[int], *, metric: str, direction: str,
                   warm: Iterable[tuple[int, float]] = ()) -> HistoryRecord:
    """The history of (number, value) points by number, each control event marked at the
    trial number ``marks`` gives it (the newest trial started before it); ``warm``: the
    warm-start trials' points."""
    record = HistoryRecord(metric=metric, direction=direction, warm=list(warm))
    for number, value in points:
        add_point(record, number, value)
    record.marks.extend(control_mark(event, x) for event, x in zip(controls, marks, strict=True))
    return record


def history_record(
    trials: Iterable[TrialRecord],
    controls: Sequence[EventRecord],
    *,
    metric: str,
    direction: str,
) -> HistoryRecord:
    """Trials in number order; each control event marked at the newest trial started before it."""
    record = HistoryRecord(metric=metric, direction=direction)
    ordered = sorted(trials, key=lambda t: t.number)
    for trial in ordered:
        extend_history(record, trial)
    starts = sorted((t.started_at, t.number) for t in ordered if t.started_at is not None)
    times = [started for started, _ in starts]
    highest = list(accumulate((number for _, number in starts), max))
    for event in controls:
        if event.created_at is None:
            position = len(times)
        else:
            position = bisect_right(times, event.created_at)
        record.marks.append(control_mark(event, highest[position - 1] if position else -1))
    return record


def _line_points(marks: Sequence[ControlMark]) -> tuple[list[Any], list[Any]]:
    xs: list[Any] = []
    ys: list[Any] = []
    for mark in marks:
        xs += [mark.x, mark.x, None]
        ys += [0, 1, None]
    return xs, ys


def best_steps(points: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """The best-so-far line's corners: where it changes, and its last point (the line is drawn
    with ``shape="hv"``, so the steps between say nothing a corner does not)."""
    steps = [p for i, p in enumerate(points) if i == 0 or p[1] != points[i - 1][1]]
    if points and steps[-1] != points[-1]:
        steps.append(points[-1])
    return steps


def plot_history(record: HistoryRecord) -> go.Figure:
    line_x, line_y = _line_points(record.marks)
    shown = sample_positions(record.values, record.direction)
    best = best_steps(list(zip(record.best_x, record.best_y, strict=True)))
    figure = go.Figure(
        [
            go.Scatter(
                x=take(record.numbers, shown),
                y=take(record.values, shown),
                mode="markers",
                name=record.metric,
                marker={"size": 6, "color": "#1f77b4"},
                hovertemplate="trial %{x}<br>%{y}<extra></extra>",
            ),
            go.Scatter(
                x=[x for x, _ in best],
                y=[y for _, y in best],
                mode="lines",
                name="best so far",
                line={"shape": "hv", "color": "#d62728", "width": 2},
                hovertemplate="best so far %{y}<extra></extra>",
            ),
            go.Scatter(
                x=line_x,
                y=line_y,
                mode="lines",
                yaxis="y2",
                name="control",
                line={"dash": "dot", "color": "#7f7f7f", "width": 1},
                hoverinfo="skip",
                showlegend=False,
            ),
            go.Scatter(
                x=[m.x for m in record.marks],
                y=[1.0] * len(record.marks),
                text=[m.label for m in record.marks],
                hovertext=[m.detail for m in record.marks],
                mode="markers+text",
                textposition="bottom right",
                yaxis="y2",
                name="controls",
                marker={"symbol": "triangle-down", "size": 11, "color": "#7f7f7f"},
                hoverinfo="text",
            ),
            go.Scatter(
                x=[n for n, _ in record.warm],
                y=[v for _, v in record.warm],
                mode="markers",
                name="warm start",
                marker={"symbol": "star", "size": 12, "color": "#ff7f0e",
                        "line": {"width": 1, "color": "#7f3f00"}},
                hovertemplate="warm-start trial %{x}<br>%{y}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        height=340,
        uirevision="history",
        meta=sample_meta(len(shown), len(record.values)),
        title={"text": sample_title(len(shown), len(record.values)), "font": {"size": 11}},
        xaxis={"title": {"text": "trial"}},
        yaxis={"title": {"text": f"{record.metric} ({record.direction})"}},
        yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def history_patch(
    points: Sequence[tuple[int, float]],
    best_points: Sequence[tuple[int, float]],
    marks: Sequence[ControlMark],
    warm: Sequence[tuple[int, float]] = (),
) -> Any:
    """Append new points, best-so-far steps, control marks and warm-start points (``warm``,
    also among ``points``); no_update when nothing is new."""
    if not points and not best_points and not marks:
        return dash.no_update
    patch = dash.Patch()
    if warm:
        patch["data"][WARM_START]["x"].extend([n for n, _ in warm])
        patch["data"][WARM_START]["y"].extend([v for _, v in warm])
    if points:
        patch["data"][TRIALS]["x"].extend([n for n, _ in points])
        patch["data"][TRIALS]["y"].extend([v for _, v in points])
    if best_points:
        steps = best_steps(best_points)
        patch["data"][BEST]["x"].extend([n for n, _ in steps])
        patch["data"][BEST]["y"].extend([v for _, v in steps])
    if marks:
        line_x, line_y = _line_points(marks)
        patch["data"][CONTROL_LINES]["x"].extend(line_x)
        patch["data"][CONTROL_LINES]["y"].extend(line_y)
        patch["data"][CONTROL_LABELS]["x"].extend([m.x for m in marks])
        patch["data"][CONTROL_LABELS]["y"].extend([1.0] * len(marks))
        patch["data"][CONTROL_LABELS]["text"].extend([m.label for m in marks])
        patch["data"][CONTROL_LABELS]["hovertext"].extend([m.detail for m in marks])
    return patch
