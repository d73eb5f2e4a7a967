"""Pareto front of multi-objective runs, and trade-off picking under bounds.

"The most accurate model under 50 ms fit time" is
``pick_tradeoff(frame, "accuracy", bounds={"fit_time_s": ("<=", 0.05)})``: the best trial on
one column subject to bounds on others (objectives, "duration_s" or numeric user attributes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from optunagui.analysis._sampling import pick, shown_note
from optunagui.analysis.frame import TrialFrame

__all__ = [
    "OPERATORS",
    "ParetoRecord",
    "TradeoffPick",
    "compute_pareto",
    "draw_pareto",
    "pareto_mask",
    "pick_tradeoff",
    "plot_pareto",
]

OPERATORS = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater}


def pareto_mask(scores: np.ndarray) -> np.ndarray:
    """Non-dominated rows of (n, m) scores where higher is better in every column."""
    n = scores.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    if scores.shape[1] == 2:  # sort by the first objective, keep strict improvements in the second
        order = np.lexsort((-scores[:, 1], -scores[:, 0]))
        second = scores[order, 1]
        best_before = np.concatenate([[-np.inf], np.maximum.accumulate(second)[:-1]])
        keep = second > best_before
        mask = np.zeros(n, dtype=bool)
        mask[order[keep]] = True
        # equal points do not dominate each other: keep every copy of a front point
        _, inverse = np.unique(scores, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        return np.isin(inverse, inverse[mask])
    mask = np.ones(n, dtype=bool)
    order = np.argsort(-scores.sum(axis=1), kind="stable")
    for i in order:
        if not mask[i]:
            continue
        dominated = np.all(scores <= scores[i], axis=1) & np.any(scores < scores[i], axis=1)
        mask &= ~dominated
    return mask


@dataclass(frozen=True)
class ParetoRecord:
    metrics: tuple[str, ...]
    directions: tuple[str, ...]
    front_numbers: np.ndarray
    front_values: np.ndarray  # (n_front, n_objectives), in the metrics' own units
    other_values: np.ndarray  # a sample of the dominated trials
    n_complete: int
    note: str


def compute_pareto(frame: TrialFrame, *, max_points: int = 5_000, seed: int = 0) -> ParetoRecord:
    signs = np.array([1.0 if d == "maximize" else -1.0 for d in frame.directions])
    ok = frame.state_mask("complete") & np.isfinite(frame.values).all(axis=1)
    idx = np.flatnonzero(ok)
    mask = pareto_mask(frame.values[idx] * signs)
    front = idx[mask]
    front = front[np.argsort(frame.values[front, 0], kind="stable")]
    others = idx[~mask]
    shown = pick(others, frame.score(0), max(max_points - front.size, 0), seed=seed)
    return ParetoRecord(frame.metric_names, frame.directions, frame.number[front],
                        frame.values[front], frame.values[shown], int(idx.size),
                        shown_note(shown.size, others.size, "dominated trials"))


def draw_pareto(record: ParetoRecord, x: int = 0, y: int = 1) -> go.Figure:
    fig = go.Figure()
    if record.other_values.size:
        trace = go.Scattergl if len(record.other_values) > 2000 else go.Scatter
        fig.add_trace(trace(x=record.other_values[:, x], y=record.other_values[:, y],
                            mode="markers", name="dominated",
                            marker={"color": "lightgrey", "size": 5}))
    fig.add_trace(go.Scatter(
        x=record.front_values[:, x], y=record.front_values[:, y], mode="markers+lines",
        name="Pareto front", customdata=record.front_numbers, line={"shape": "hv"},
        marker={"color": "#d62728", "size": 8},
        hovertemplate="trial %{customdata}<br>%{x:.4g}, %{y:.4g}<extra></extra>"))
    note = f"<br><sup>{record.note}</sup>" if record.note else ""
    fig.update_layout(
        title={"text": f"Pareto front: {len(record.front_numbers)} of {record.n_complete:,} "
                       f"trials{note}"},
        xaxis={"title": f"{record.metrics[x]} ({record.directions[x]})"},
        yaxis={"title": f"{record.metrics[y]} ({record.directions[y]})"})
    return fig


def plot_pareto(frame: TrialFrame, **options) -> go.Figure:
    return draw_pareto(compute_pareto(frame, **options))


@dataclass(frozen=True)
class TradeoffPick:
    number: int | None
    value: float | None
    values: dict[str, float]
    params: dict[str, Any]
    n_feasible: int
    message: str


def pick_tradeoff(frame: TrialFrame, optimise: str, bounds: Mapping[str, tuple[str, float]],
                  *, direction: str | None = None) -> TradeoffPick:
    """The best complete trial on `optimise` among those meeting every bound.

    Args:
        optimise: an objective name (its direction is used) or another numeric column.
        bounds: column -> (operator, limit), operator one of <=, <, >=, >.
        direction: needed when `optimise` is not an objective ("maximize" | "minimize").
    """
    if optimise in frame.metric_names:
        direction = direction or frame.directions[frame.metric_names.index(optimise)]
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"say whether to maximize or minimize {optimise!r}")
    target = frame.metric_column(optimise)
    ok = frame.state_mask("complete") & np.isfinite(target)
    columns = {optimise: target}
    for name, (op, limit) in bounds.items():
        if op not in OPERATORS:
            raise ValueError(f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
        column = frame.metric_column(name)
        columns[name] = column
        with np.errstate(invalid="ignore"):
            ok &= OPERATORS[op](column, limit)
    text = " and ".join(f"{n} {op} {limit:g}" for n, (op, limit) in bounds.items()) or "no bound"
    feasible = np.flatnonzero(ok)
    if feasible.size == 0:
        return TradeoffPick(None, None, {}, {}, 0, f"No complete trial meets {text}.")
    sign = 1.0 if direction == "maximize" else -1.0
    best = int(feasible[np.argmax(sign * target[feasible])])
    values = {n: float(c[best]) for n, c in columns.items()}
    params = {n: col.label(col.values[best]) for n, col in frame.params.items()
              if np.isfinite(col.values[best])}
    message = (f"Trial {int(frame.number[best])}: the best {optimise} ({values[optimise]:.4g}) "
               f"among {feasible.size:,} trials with {text}.")
    return TradeoffPick(int(frame.number[best]), values[optimise], values, params,
                        int(feasible.size), message)
