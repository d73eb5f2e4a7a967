"""Parameter-space scatter: any two parameters the user picks, each complete trial coloured by
its value. A poll appends the newly complete trials; a new choice of axes rebuilds it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dash
import plotly.graph_objects as go

from dashapp.pages.run.live.records import TrialRecord
from dashapp.pages.run.live.sampling import sample_meta, sample_positions, sample_title, take

__all__ = ["ScatterRecord", "default_axes", "param_names", "plot_scatter", "scatter_patch",
           "scatter_record"]


@dataclass
class ScatterRecord:
    x_name: str | None
    y_name: str | None
    metric: str
    direction: str
    x: list[Any] = field(default_factory=list)
    y: list[Any] = field(default_factory=list)
    color: list[float] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    total: int | None = None  # complete trials in the run, when these are a sample of them


def param_names(trials: Iterable[TrialRecord], space: Mapping[str, Any]) -> list[str]:
    """Every parameter name, the space's order first, then any others the trials carry."""
    names = [str(name) for name in space]
    seen = set(names)
    for trial in trials:
        for name in trial.params:
            if name not in seen:
                seen.add(name)
                names.append(name)
    return names


def default_axes(names: Sequence[str]) -> tuple[str | None, str | None]:
    if not names:
        return None, None
    return names[0], names[1] if len(names) > 1 else names[0]


def _points(
    trials: Iterable[TrialRecord], x_name: str | None, y_name: str | None
) -> list[tuple[Any, Any, float, int]]:
    if not x_name or not y_name:
        return []
    points = []
    for trial in trials:
        value = trial.value
        if trial.state != "complete" or value is None:
            continue
        if x_name in trial.params and y_name in trial.params:
            points.append((trial.params[x_name], trial.params[y_name], value, trial.number))
    return points


def scatter_record(
    trials: Iterable[TrialRecord],
    x_name: str | None,
    y_name: str | None,
    *,
    metric: str,
    direction: str,
) -> ScatterRecord:
    record = ScatterRecord(x_name=x_name, y_name=y_name, metric=metric, direction=direction)
    for x, y, value, number in _points(trials, x_name, y_name):
        record.x.append(x)
        record.y.append(y)
        record.color.append(value)
        record.numbers.append(number)
    return record


def plot_scatter(record: ScatterRecord, *, log_x: bool = False, log_y: bool = False) -> go.Figure:
    shown = sample_positions(record.color, record.direction)
    total = max(record.total or 0, len(record.color))
    figure = go.Figure(
        go.Scatter(
            x=take(record.x, shown),
            y=take(record.y, shown),
            customdata=take(record.numbers, shown),
            mode="markers",
            marker={
                "color": take(record.color, shown),
                "colorscale": "Viridis",
                # The best end of the scale is yellow, whichever the direction.
                "reversescale": record.direction == "minimize",
                "showscale": True,
                "colorbar": {"title": {"text": record.metric}},
                "size": 7,
            },
            hovertemplate="trial %{customdata}<br>x %{x}<br>y %{y}<br>"
            f"{record.metric} %{{marker.color}}<extra></extra>",
        )
    )
    figure.update_layout(
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        height=340,
        uirevision=f"scatter-{record.x_name}-{record.y_name}",
        meta=sample_meta(len(shown), total),
        title={"text": sample_title(len(shown), total), "font": {"size": 11}},
        xaxis={"title": {"text": record.x_name or ""}, "type": "log" if log_x else "-"},
        yaxis={"title": {"text": record.y_name or ""}, "type": "log" if log_y else "-"},
    )
    return figure


def scatter_patch(trials: Iterable[TrialRecord], x_name: str | None, y_name: str | None) -> Any:
    points = _points(trials, x_name, y_name)
    if not points:
        return dash.no_update
    patch = dash.Patch()
    patch["data"][0]["x"].extend([p[0] for p in points])
    patch["data"][0]["y"].extend([p[1] for p in points])
    patch["data"][0]["marker"]["color"].extend([p[2] for p in points])
    patch["data"][0]["customdata"].extend([p[3] for p in points])
    return patch
