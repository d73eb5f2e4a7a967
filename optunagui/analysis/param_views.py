"""Parameter-space views: scatter, parallel coordinates, contour, slice, exploration history.

Each view has a `compute_*` function (frame -> small record), a `draw_*` function
(record -> go.Figure) and a `plot_*` function joining them. Huge runs are downsampled (best
trials kept, then a seeded random sample) and the figure title says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from optunagui.analysis._sampling import pick, shown_note
from optunagui.analysis.frame import ParamColumn, TrialFrame

__all__ = [
    "Axis",
    "ContourRecord",
    "HistoryRecord",
    "ParallelRecord",
    "ScatterRecord",
    "SliceRecord",
    "compute_contour",
    "compute_history",
    "compute_parallel",
    "compute_scatter",
    "compute_slice",
    "draw_contour",
    "draw_history",
    "draw_parallel",
    "draw_scatter",
    "draw_slice",
    "plot_contour",
    "plot_history",
    "plot_parallel",
    "plot_scatter",
    "plot_slice",
]

WEBGL_FROM = 2000
COLORSCALE = "Viridis"
# Points drawn by default: at these sizes every view is SVG and draws in a fraction of a second.
SCATTER_MAX_POINTS = 2_000
PANEL_MAX_POINTS = 500  # per panel of the slice and history figures (a panel is a sixth of one)
CONTOUR_MAX_POINTS = 1_000  # drawn over the contour, whose grid uses every trial


@dataclass(frozen=True)
class Axis:
    """One parameter's values for the shown trials, with how to draw its axis."""

    name: str
    values: np.ndarray
    log: bool
    low: float
    high: float
    ticktext: tuple[str, ...] = ()  # categorical: the choices, at positions 0..k-1


def _axis(col: ParamColumn, idx: np.ndarray) -> Axis:
    ticks = tuple(str(c) for c in col.choices) if col.kind == "categorical" else ()
    return Axis(col.name, col.values[idx], col.log, col.low, col.high, ticks)


def _points(n: int) -> type[go.Scatter] | type[go.Scattergl]:
    """SVG markers, or WebGL for more than ``WEBGL_FROM`` points."""
    return go.Scattergl if n > WEBGL_FROM else go.Scatter


def _title(text: str, note: str) -> dict:
    if note:
        text += f"<br><sup>{note}</sup>"
    return {"text": text}


def _axis_layout(axis: Axis) -> dict:
    if axis.ticktext:
        return {"title": axis.name, "tickvals": list(range(len(axis.ticktext))),
                "ticktext": list(axis.ticktext)}
    return {"title": axis.name, "type": "log" if axis.log else "linear"}


def _complete(frame: TrialFrame, objective: int | str, names: list[str]) -> np.ndarray:
    idx = frame.complete(objective)
    for name in names:
        idx = idx[np.isfinite(frame.params[name].values[idx])]
    return idx


# --- scatter of two parameters ---------------------------------------------------------------

@dataclass(frozen=True)
class ScatterRecord:
    x: Axis
    y: Axis
    value: np.ndarray
    number: np.ndarray
    metric: str
    n_total: int
    note: str


def compute_scatter(frame: TrialFrame, x: str, y: str, *, objective: int | str = 0,
                    max_points: int = SCATTER_MAX_POINTS, seed: int = 0) -> ScatterRecord:
    k = frame.objective_index(objective)
    idx = _complete(frame, k, [x, y])
    shown = pick(idx, frame.score(k), max_points, seed=seed)
    return ScatterRecord(
        _axis(frame.params[x], shown), _axis(frame.params[y], shown),
        frame.values[shown, k], frame.number[shown], frame.metric_names[k], int(idx.size),
        shown_note(shown.size, idx.size),
    )


def draw_scatter(record: ScatterRecord) -> go.Figure:
    fig = go.Figure(_points(record.value.size)(
        x=record.x.values, y=record.y.values, mode="markers", customdata=record.number,
        marker={"color": record.value, "colorscale": COLORSCALE, "size": 6,
                "colorbar": {"title": record.metric}, "showscale": True},
        hovertemplate=(f"trial %{{customdata}}<br>{record.x.name}=%{{x}}<br>{record.y.name}="
                       f"%{{y}}<br>{record.metric}=%{{marker.color:.4g}}<extra></extra>"),
    ))
    fig.update_layout(title=_title(f"{record.y.name} vs {record.x.name}", record.note),
                      xaxis=_axis_layout(record.x), yaxis=_axis_layout(record.y))
    return fig


def plot_scatter(frame: TrialFrame, x: str, y: str, **options) -> go.Figure:
    return draw_scatter(compute_scatter(frame, x, y, **options))


# --- parallel coordinates --------------------------------------------------------------------

@dataclass(frozen=True)
class ParallelRecord:
    axes: tuple[Axis, ...]
    value: np.ndarray
    metric: str
    n_total: int
    note: str


PARALLEL_MAX_LINES = 2_000  # past this the lines are a solid band, and each costs draw time


def compute_parallel(frame: TrialFrame, params: list[str] | None = None, *,
                     objective: int | str = 0, max_lines: int = PARALLEL_MAX_LINES,
                     seed: int = 0) -> ParallelRecord:
    names = list(params or frame.params)
    k = frame.objective_index(objective)
    idx = frame.complete(k)
    shown = pick(idx, frame.score(k), max_lines, seed=seed)
    axes = tuple(_axis(frame.params[name], shown) for name in names)
    return ParallelRecord(axes, frame.values[shown, k], frame.metric_names[k], int(idx.size),
                          shown_note(shown.size, idx.size))


def _dimension(axis: Axis) -> dict:
    if axis.ticktext:
        return {"label": axis.name, "values": axis.values, "range": [0, len(axis.ticktext) - 1],
                "tickvals": list(range(len(axis.ticktext))), "ticktext": list(axis.ticktext)}
    if axis.log:
        lo, hi = math.log10(axis.low), math.log10(axis.high)
        ticks: list[float] = list(range(math.ceil(lo), math.floor(hi) + 1)) or [lo, hi]
        return {"label": f"{axis.name} (log)", "values": np.log10(axis.values), "range": [lo, hi],
                "tickvals": ticks, "ticktext": [f"{10 ** t:.3g}" for t in ticks]}
    return {"label": axis.name, "values": axis.values, "range": [axis.low, axis.high]}


def draw_parallel(record: ParallelRecord) -> go.Figure:
    dims = [_dimension(axis) for axis in record.axes]
    if record.value.size:
        dims.append({"label": record.metric, "values": record.value,
                     "range": [float(np.min(record.value)), float(np.max(record.value))]})
    fig = go.Figure(go.Parcoords(
        dimensions=dims,
        line={"color": record.value, "colorscale": COLORSCALE, "showscale": True,
              "colorbar": {"title": record.metric}},
    ))
    fig.update_layout(title=_title("Parallel coordinates", record.note))
    return fig


def plot_parallel(frame: TrialFrame, params: list[str] | None = None, **options) -> go.Figure:
    return draw_parallel(compute_parallel(frame, params, **options))


# --- contour -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContourRecord:
    """Mean objective value per cell of a grid over two parameters (NaN: no trial there)."""

    x: Axis  # cell centres
    y: Axis
    z: np.ndarray  # (len(y.values), len(x.values))
    count: np.ndarray
    points: tuple[np.ndarray, np.ndarray]  # a sample of the trials, for the overlay
    metric: str
    n_used: int
    note: str


def _edges(col: ParamColumn, bins: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(cell index per trial, cell centres in parameter units, number of cells)."""
    if col.kind == "categorical":
        n = len(col.choices)
        return np.nan_to_num(col.values, nan=0).astype(int), np.arange(n, dtype=float), n
    n = bins
    if col.kind == "int":
        n = int(min(bins, col.high - col.low + 1))
    unit = np.clip(col.unit(), 0.0, 1.0)
    cell = np.minimum((np.nan_to_num(unit) * n).astype(int), n - 1)
    centres = (np.arange(n) + 0.5) / n
    if col.log:
        real = np.exp(math.log(col.low) + centres * (math.log(col.high) - math.log(col.low)))
    else:
        real = col.low + centres * (col.high - col.low)
    return cell, real, n


def compute_contour(frame: TrialFrame, x: str, y: str, *, objective: int | str = 0,
                    bins: int = 30, max_points: int = CONTOUR_MAX_POINTS, seed: int = 0
                    ) -> ContourRecord:
    k = frame.objective_index(objective)
    idx = _complete(frame, k, [x, y])
    cx, xs, nx = _edges(frame.params[x], bins)
    cy, ys, ny = _edges(frame.params[y], bins)
    flat = cy[idx] * nx + cx[idx]
    count = np.bincount(flat, minlength=nx * ny).reshape(ny, nx)
    total = np.bincount(flat, weights=frame.values[idx, k], minlength=nx * ny).reshape(ny, nx)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(count > 0, total / count, np.nan)
    shown = pick(idx, frame.score(k), max_points, seed=seed)
    xa, ya = frame.params[x], frame.params[y]
    note = shown_note(shown.size, idx.size, "trials drawn as points; the grid uses all")
    return ContourRecord(
        Axis(x, xs, xa.log, xa.low, xa.high, _axis(xa, shown).ticktext),
        Axis(y, ys, ya.log, ya.low, ya.high, _axis(ya, shown).ticktext),
        z, count, (xa.values[shown], ya.values[shown]), frame.metric_names[k], int(idx.size),
        note,
    )


def draw_contour(record: ContourRecord) -> go.Figure:
    fig = go.Figure(go.Contour(
        x=record.x.values, y=record.y.values, z=record.z, colorscale=COLORSCALE,
        connectgaps=True, colorbar={"title": f"mean {record.metric}"},
        hovertemplate="%{x}, %{y}: %{z:.4g}<extra></extra>",
    ))
    fig.add_trace(_points(record.points[0].size)(
        x=record.points[0], y=record.points[1], mode="markers", showlegend=False,
        marker={"color": "black", "size": 3, "opacity": 0.5}, hoverinfo="skip",
    ))
    fig.update_layout(title=_title(f"{record.metric} over {record.x.name} and {record.y.name}",
                                   record.note),
                      xaxis=_axis_layout(record.x), yaxis=_axis_layout(record.y))
    return fig


def plot_contour(frame: TrialFrame, x: str, y: str, **options) -> go.Figure:
    return draw_contour(compute_contour(frame, x, y, **options))


# --- slice and exploration history (one panel per parameter) --------------------------------

@dataclass(frozen=True)
class SliceRecord:
    """The objective against each parameter (one shared sample of complete trials)."""

    axes: tuple[Axis, ...]
    value: np.ndarray
    number: np.ndarray
    metric: str
    n_total: int
    note: str


def compute_slice(frame: TrialFrame, params: list[str] | None = None, *,
                  objective: int | str = 0, max_points: int = PANEL_MAX_POINTS,
                  seed: int = 0) -> SliceRecord:
    k = frame.objective_index(objective)
    idx = frame.complete(k)
    shown = pick(idx, frame.score(k), max_points, seed=seed)
    axes = tuple(_axis(frame.params[name], shown) for name in (params or frame.params))
    return SliceRecord(axes, frame.values[shown, k], frame.number[shown], frame.metric_names[k],
                       int(idx.size), shown_note(shown.size, idx.size))


def _panels(n: int, columns: int) -> tuple[int, int]:
    cols = max(1, min(columns, n))
    return math.ceil(max(n, 1) / cols), cols


def draw_slice(record: SliceRecord, *, columns: int = 3) -> go.Figure:
    rows, cols = _panels(len(record.axes), columns)
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True,
                        subplot_titles=[a.name for a in record.axes])
    for i, axis in enumerate(record.axes):
        r, c = divmod(i, cols)
        fig.add_trace(_points(record.value.size)(
            x=axis.values, y=record.value, mode="markers", showlegend=False,
            customdata=record.number,
            marker={"color": record.number, "colorscale": "Blues", "size": 4,
                    "showscale": i == 0, "colorbar": {"title": "trial"}},
            hovertemplate=f"trial %{{customdata}}<br>{axis.name}=%{{x}}<br>"
                          f"{record.metric}=%{{y:.4g}}<extra></extra>",
        ), row=r + 1, col=c + 1)
        fig.update_xaxes(row=r + 1, col=c + 1, **{k: v for k, v in _axis_layout(axis).items()
                                                  if k != "title"})
    fig.update_yaxes(title_text=record.metric, col=1)
    fig.update_layout(title=_title("Slice: the objective against each parameter", record.note),
                      height=300 * rows)
    return fig


def plot_slice(frame: TrialFrame, params: list[str] | None = None, **options) -> go.Figure:
    return draw_slice(compute_slice(frame, params, **options))


@dataclass(frozen=True)
class HistoryRecord:
    """Each parameter's value against trial number, coloured by score: how the sampler moved."""

    axes: tuple[Axis, ...]
    number: np.ndarray
    value: np.ndarray
    metric: str
    n_total: int
    note: str


def compute_history(frame: TrialFrame, params: list[str] | None = None, *,
                    objective: int | str = 0, max_points: int = PANEL_MAX_POINTS,
                    seed: int = 0) -> HistoryRecord:
    k = frame.objective_index(objective)
    idx = frame.complete(k)
    shown = pick(idx, frame.score(k), max_points, seed=seed)
    axes = tuple(_axis(frame.params[name], shown) for name in (params or frame.params))
    return HistoryRecord(axes, frame.number[shown], frame.values[shown, k],
                         frame.metric_names[k], int(idx.size), shown_note(shown.size, idx.size))


def draw_history(record: HistoryRecord) -> go.Figure:
    n = max(len(record.axes), 1)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.03)
    for i, axis in enumerate(record.axes):
        fig.add_trace(_points(record.number.size)(
            x=record.number, y=axis.values, mode="markers", showlegend=False,
            marker={"color": record.value, "colorscale": COLORSCALE, "size": 4,
                    "showscale": i == 0, "colorbar": {"title": record.metric}},
            hovertemplate=f"trial %{{x}}<br>{axis.name}=%{{y}}<br>"
                          f"{record.metric}=%{{marker.color:.4g}}<extra></extra>",
        ), row=i + 1, col=1)
        fig.update_yaxes(row=i + 1, col=1, **{**_axis_layout(axis), "title": axis.name})
    fig.update_xaxes(title_text="trial", row=n, col=1)
    fig.update_layout(title=_title("Exploration history of each parameter", record.note),
                      height=max(300, 160 * n))
    return fig


def plot_history(frame: TrialFrame, params: list[str] | None = None, **options) -> go.Figure:
    return draw_history(compute_history(frame, params, **options))
