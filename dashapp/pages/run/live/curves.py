"""Intermediate values (learning curves) of the most recent trials, pruned ones marked.

One trace per trial, oldest first; at most ``MAX_CURVES`` traces: when a new trial's curve
arrives the oldest trace is dropped. A pruned trial's curve is dotted with x markers; hovering a
curve names its trial. The page keeps the trial numbers of the traces, in order,
so a poll can extend a trace in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dash
import plotly.graph_objects as go

from dashapp.pages.run.live.records import EventRecord, metric_of

__all__ = [
    "MAX_CURVES",
    "CurveTrace",
    "CurvesChange",
    "curve_points",
    "curves_change",
    "curves_patch",
    "curves_record",
    "plot_curves",
    "step_ticks",
]

MAX_CURVES = 20
#: Steps are whole numbers (folds, epochs): one tick per step while there are at most this
#: many, so the axis never reads 1.5; past them, ticks of Plotly's choosing, which are whole.
ONE_TICK_PER_STEP_UP_TO = 12
PRUNED_STYLE = {"dash": "dot", "width": 1.5}
LIVE_STYLE = {"dash": "solid", "width": 1.5}


@dataclass
class CurveTrace:
    number: int
    steps: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    pruned: bool = False

    @property
    def name(self) -> str:
        return f"#{self.number} pruned" if self.pruned else f"#{self.number}"


def curve_points(
    events: Iterable[EventRecord], metric: str
) -> dict[int, list[tuple[int, float]]]:
    """(step, value) points per trial from result events, in event order."""
    points: dict[int, list[tuple[int, float]]] = {}
    for event in events:
        if event.kind != "result" or event.trial_number is None:
            continue
        value = metric_of(event.metrics, metric)
        if value is None:
            continue
        step = event.step if event.step is not None else len(points.get(event.trial_number, []))
        points.setdefault(event.trial_number, []).append((step, value))
    return points


def curves_record(
    results: Sequence[EventRecord],
    states: Mapping[int, str],
    metric: str,
    *,
    limit: int = MAX_CURVES,
) -> list[CurveTrace]:
    """The curves of the ``limit`` trials that reported most recently (results oldest first)."""
    points = curve_points(results, metric)
    last_seen: dict[int, int] = {}
    for event in results:
        if event.trial_number in points:
            last_seen[event.trial_number] = event.id
    recent = sorted(last_seen, key=last_seen.__getitem__)[-limit:]
    traces = []
    for number in sorted(recent):
        ordered = sorted(points[number])
        traces.append(
            CurveTrace(
                number=number,
                steps=[s for s, _ in ordered],
                values=[v for _, v in ordered],
                pruned=states.get(number) == "pruned",
            )
        )
    return traces


def _trace(curve: CurveTrace) -> go.Scatter:
    return go.Scatter(
        x=curve.steps,
        y=curve.values,
        mode="lines+markers",
        name=curve.name,
        line=PRUNED_STYLE if curve.pruned else LIVE_STYLE,
        marker={"size": 4, "symbol": "x" if curve.pruned else "circle"},
        opacity=0.55 if curve.pruned else 1.0,
        hovertemplate=f"{curve.name}<br>step %{{x}}<br>%{{y}}<extra></extra>",
    )


def step_ticks(last_step: int | None) -> dict[str, Any]:
    """The step axis's ticks for curves reaching ``last_step``."""
    if last_step is None or last_step <= ONE_TICK_PER_STEP_UP_TO:
        return {"tickmode": "linear", "tick0": 0, "dtick": 1}
    return {"tickmode": "auto"}


def plot_curves(traces: Sequence[CurveTrace], metric: str) -> go.Figure:
    figure = go.Figure([_trace(t) for t in traces])
    last_step = max((s for t in traces for s in t.steps), default=None)
    figure.update_layout(
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        height=340,
        uirevision="curves",
        xaxis={"title": {"text": "step"}, **step_ticks(last_step)},
        yaxis={"title": {"text": metric}},
        # Twenty entries cost as much to draw as the curves; hovering a curve names its trial.
        showlegend=False,
    )
    return figure


@dataclass
class CurvesChange:
    """What a poll does to the curves: drop the oldest traces, extend some, add new ones."""

    drop: int = 0
    extend: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # trace index
    pruned: list[tuple[int, int]] = field(default_factory=list)  # (trace index, trial)
    add: list[CurveTrace] = field(default_factory=list)
    order: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.drop or self.extend or self.pruned or self.add)


def curves_change(
    order: Sequence[int],
    points: Mapping[int, list[tuple[int, float]]],
    pruned: Iterable[int],
    *,
    limit: int = MAX_CURVES,
) -> CurvesChange:
    """How to bring traces ``order`` (trial numbers) up to date with a poll's points."""
    new_numbers = [n for n in points if n not in order]
    pruned_set = set(pruned)
    combined = [*order, *new_numbers]
    drop_total = max(0, len(combined) - limit)
    kept = combined[drop_total:]
    drop = min(drop_total, len(order))
    change = CurvesChange(drop=drop, order=tuple(kept))
    for index, number in enumerate(kept):
        if number in order:
            if points.get(number):
                change.extend[index] = points[number]
            if number in pruned_set:
                change.pruned.append((index, number))
        else:
            steps = points[number]
            change.add.append(
                CurveTrace(
                    number=number,
                    steps=[s for s, _ in steps],
                    values=[v for _, v in steps],
                    pruned=number in pruned_set,
                )
            )
    return change


def curves_patch(change: CurvesChange) -> Any:
    if change.empty:
        return dash.no_update
    patch = dash.Patch()
    for _ in range(change.drop):
        del patch["data"][0]
    for index, steps in change.extend.items():
        patch["data"][index]["x"].extend([s for s, _ in steps])
        patch["data"][index]["y"].extend([v for _, v in steps])
    for index, number in change.pruned:
        name = CurveTrace(number, pruned=True).name
        patch["data"][index]["name"] = name
        patch["data"][index]["hovertemplate"] = f"{name}<br>step %{{x}}<br>%{{y}}<extra></extra>"
        patch["data"][index]["line"] = PRUNED_STYLE
        patch["data"][index]["opacity"] = 0.55
        patch["data"][index]["marker"]["symbol"] = "x"
    for curve in change.add:
        patch["data"].append(_trace(curve).to_plotly_json())
    new_steps = [s for steps in change.extend.values() for s, _ in steps]
    new_steps += [s for curve in change.add for s in curve.steps]
    if new_steps and max(new_steps) > ONE_TICK_PER_STEP_UP_TO:
        patch["layout"]["xaxis"]["tickmode"] = "auto"
    return patch
