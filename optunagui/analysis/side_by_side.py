"""Runs side by side: best values, secondary metrics, best parameters, budget and time used;
and their best-so-far curves overlaid by trial number and by wall time."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optunagui.analysis.frame import TrialFrame

__all__ = [
    "OverlayRecord",
    "RunInput",
    "SideBySideRecord",
    "compute_overlay",
    "compute_side_by_side",
    "draw_overlay",
    "draw_side_by_side",
]


@dataclass(frozen=True)
class RunInput:
    """One run to compare: a label, its frame and (optionally) its spec dict.

    `final_metrics` (trial number -> metrics, e.g. from `load_final_metrics`) adds the metrics
    of the trials' "completed" events to those in their user attributes.
    """

    label: str
    frame: TrialFrame
    spec: Mapping[str, Any] = field(default_factory=dict)
    final_metrics: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def secondary(self, index: int | None) -> dict[str, Any]:
        """The metrics recorded for the trial at `index` (objectives left out)."""
        if index is None:
            return {}
        found = dict(self.final_metrics.get(int(self.frame.number[index])) or {})
        found.update(((self.frame.attrs[index] or {}).get("metrics")) or {})
        return {k: v for k, v in found.items() if k not in self.frame.metric_names}


@dataclass(frozen=True)
class SideBySideRecord:
    labels: tuple[str, ...]
    models: tuple[str | None, ...]
    metric: str
    best_values: tuple[float | None, ...]
    best_numbers: tuple[int | None, ...]
    metrics: dict[str, tuple[float | None, ...]]  # secondary metrics of each best trial
    params: dict[str, tuple[Any, ...]]  # best parameters (None: not in that run)
    differing: frozenset[str]  # parameters whose best values differ between runs
    counts: dict[str, tuple[int, ...]]  # complete / pruned / failed / running
    budgets: tuple[int | None, ...]
    wall_s: tuple[float | None, ...]
    compute_s: tuple[float | None, ...]
    best_of_family: dict[str, str]  # model -> label of its best run (model selection)


def _same(values: Sequence[Any]) -> bool:
    first = values[0]
    for v in values[1:]:
        if isinstance(v, float) and isinstance(first, float):
            if not math.isclose(v, first, rel_tol=1e-9, abs_tol=1e-12):
                return False
        elif v != first:
            return False
    return True


def compute_side_by_side(runs: Sequence[RunInput], *, objective: int = 0) -> SideBySideRecord:
    labels = tuple(r.label for r in runs)
    metric = runs[0].frame.metric_names[objective] if runs else "value"
    direction = runs[0].frame.directions[objective] if runs else "maximize"
    best_idx = [r.frame.best_index(objective) for r in runs]
    best_values = tuple(None if i is None else float(r.frame.values[i, objective])
                        for r, i in zip(runs, best_idx, strict=True))
    secondary = [r.secondary(i) for r, i in zip(runs, best_idx, strict=True)]
    metric_names: dict[str, None] = {}
    for found in secondary:
        metric_names.update(dict.fromkeys(found))
    metrics = {name: tuple(_num(found.get(name)) for found in secondary)
               for name in metric_names}
    best_params = [r.frame.best_params(objective) for r in runs]
    names: dict[str, None] = {}
    for p in best_params:
        names.update(dict.fromkeys(p))
    params = {n: tuple(p.get(n) for p in best_params) for n in names}
    differing = frozenset(n for n, v in params.items() if len(v) > 1 and not _same(v))
    counts = {state: tuple(int(r.frame.state_mask(state).sum()) for r in runs)
              for state in ("complete", "pruned", "failed", "running")}
    wall: list[float | None] = []
    compute: list[float | None] = []
    for r in runs:
        f = r.frame
        if np.isfinite(f.started).any() and np.isfinite(f.finished).any():
            wall.append(float(np.nanmax(f.finished) - np.nanmin(f.started)))
        else:
            wall.append(None)
        compute.append(float(np.nansum(f.duration)) if np.isfinite(f.duration).any() else None)
    models = tuple(r.spec.get("model") for r in runs)
    best_of_family: dict[str, str] = {}
    sign = 1.0 if direction == "maximize" else -1.0
    for label, model, value in zip(labels, models, best_values, strict=True):
        if model is None or value is None:
            continue
        current = best_of_family.get(model)
        current_value = None if current is None else best_values[labels.index(current)]
        if current_value is None or sign * value > sign * current_value:
            best_of_family[model] = label
    return SideBySideRecord(
        labels, models, metric, best_values,
        tuple(None if i is None else int(r.frame.number[i]) for r, i in zip(runs, best_idx,
                                                                              strict=True)),
        metrics, params, differing, counts,
        tuple((r.spec.get("budget") or {}).get("n_trials") for r in runs),
        tuple(wall), tuple(compute), best_of_family)


def _num(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def draw_side_by_side(record: SideBySideRecord) -> go.Figure:
    """A table: one column per run; differing best parameters highlighted."""
    rows: list[tuple[str, tuple[Any, ...], bool]] = [
        ("model", record.models, False),
        (f"best {record.metric}", record.best_values, False),
        ("best trial", record.best_numbers, False),
    ]
    rows += [(name, values, False) for name, values in record.metrics.items()]
    rows += [(f"param: {name}", values, name in record.differing)
             for name, values in record.params.items()]
    rows += [(f"trials {state}", values, False) for state, values in record.counts.items()]
    rows += [("budget (trials)", record.budgets, False), ("wall time (s)", record.wall_s, False),
             ("compute time (s)", record.compute_s, False)]
    best_runs = set(record.best_of_family.values())
    header = [""] + [f"{label} ★" if label in best_runs else label for label in record.labels]
    columns = [[name for name, _, _ in rows]] + [
        [_cell(values[j]) for _, values, _ in rows] for j in range(len(record.labels))]
    fill = [["#fff3c4" if diff else "white" for _, _, diff in rows]] * (len(record.labels) + 1)
    fig = go.Figure(go.Table(header={"values": header, "align": "left"},
                             cells={"values": columns, "fill_color": fill, "align": "left"}))
    fig.update_layout(title={"text": "Runs side by side<br><sup>highlighted: best parameters "
                                     "that differ; ★ best run of its model family</sup>"},
                      height=max(400, 28 * len(rows) + 160))
    return fig


@dataclass(frozen=True)
class OverlayRecord:
    """Best-so-far step curves per run (only the points where the best changes, plus the end)."""

    by: str  # "number" | "time"
    metric: str
    labels: tuple[str, ...]
    x: tuple[np.ndarray, ...]
    y: tuple[np.ndarray, ...]


def _steps(x: np.ndarray, score: np.ndarray, sign: float) -> tuple[np.ndarray, np.ndarray]:
    if score.size == 0:
        return np.empty(0), np.empty(0)
    running = np.maximum.accumulate(score)
    change = np.concatenate([[True], running[1:] > running[:-1]])
    change[-1] = True
    return x[change], sign * running[change]


def compute_overlay(runs: Sequence[RunInput], *, by: str = "number",
                    objective: int = 0) -> OverlayRecord:
    """by="number": against trial number; by="time": against seconds since the run started."""
    if by not in ("number", "time"):
        raise ValueError("by must be 'number' or 'time'")
    xs, ys = [], []
    for run in runs:
        f = run.frame
        sign = 1.0 if f.directions[objective] == "maximize" else -1.0
        idx = f.complete(objective)
        if by == "time":
            idx = idx[np.isfinite(f.finished[idx])]
            idx = idx[np.argsort(f.finished[idx], kind="stable")]
            start = np.nanmin(f.started) if np.isfinite(f.started).any() else 0.0
            x = f.finished[idx] - start
        else:
            x = f.number[idx].astype(float)
        sx, sy = _steps(x, f.score(objective)[idx], sign)
        xs.append(sx)
        ys.append(sy)
    metric = runs[0].frame.metric_names[objective] if runs else "value"
    return OverlayRecord(by, metric, tuple(r.label for r in runs), tuple(xs), tuple(ys))


def draw_overlay(record: OverlayRecord) -> go.Figure:
    fig = go.Figure([go.Scatter(x=x, y=y, name=label, mode="lines", line={"shape": "hv"})
                     for label, x, y in zip(record.labels, record.x, record.y, strict=True)])
    axis = "trial" if record.by == "number" else "seconds since the run started"
    fig.update_layout(title={"text": f"Best {record.metric} so far"},
                      xaxis={"title": axis}, yaxis={"title": record.metric})
    return fig
