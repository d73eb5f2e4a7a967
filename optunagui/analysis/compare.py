"""Statistical comparison of runs' best trials on their per-fold scores.

Paired tests need the same folds: both runs must use the same split (method, folds, seed), so
fold i of one run and fold i of the other score the same rows. The per-fold scores of a trial
are read from its user attributes, ``user_attrs["fold_scores"][metric]`` (the objective's
`TrialResult.fold_scores`, recorded by the driver).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from optunagui.analysis.frame import TrialFrame

__all__ = [
    "MIN_FOLDS",
    "PairedComparison",
    "best_fold_scores",
    "compare_folds",
    "compare_many",
    "draw_comparisons",
    "holm",
]

MIN_FOLDS = 3


@dataclass(frozen=True)
class PairedComparison:
    """B against A on paired folds. `diff` = mean(B - A) in the metric's units.

    `p_value` is the paired t-test's p (Holm-adjusted when several pairs were compared: see
    `p_adjusted`); `p_wilcoxon` the Wilcoxon signed-rank test's. `cohen_dz` = mean / sd of the
    differences. `refused` says why no test was run (then the numbers are NaN).
    """

    label_a: str
    label_b: str
    metric: str
    direction: str
    n: int
    mean_a: float
    mean_b: float
    diff: float
    ci_low: float
    ci_high: float
    t_stat: float
    p_value: float
    p_wilcoxon: float
    cohen_dz: float
    p_adjusted: float
    alpha: float
    verdict: str
    refused: str | None = None

    @property
    def significant(self) -> bool:
        return self.refused is None and self.p_adjusted < self.alpha

    @property
    def winner(self) -> str | None:
        if not self.significant:
            return None
        b_better = (self.diff > 0) == (self.direction == "maximize")
        return self.label_b if b_better else self.label_a


def best_fold_scores(frame: TrialFrame, metric: str | None = None,
                     objective: int | str = 0) -> list[float] | None:
    """The best trial's per-fold scores for a metric (default: the objective's), if recorded."""
    best = frame.best_index(objective)
    if best is None:
        return None
    metric = metric or frame.metric_names[frame.objective_index(objective)]
    folds = (frame.attrs[best] or {}).get("fold_scores") or {}
    if isinstance(folds, Mapping):
        scores = folds.get(metric)
    else:  # a plain list: the scores of the primary metric
        scores = folds if metric == frame.metric_names[0] else None
    return [float(s) for s in scores] if scores else None


def _nan_result(a: str, b: str, metric: str, direction: str, n: int, alpha: float,
                why: str) -> PairedComparison:
    nan = float("nan")
    return PairedComparison(a, b, metric, direction, n, nan, nan, nan, nan, nan, nan, nan, nan,
                            nan, nan, alpha, why, refused=why)


def _verdict(c: PairedComparison, adjusted: bool) -> str:
    if c.refused:
        return c.refused
    if c.n and c.diff == 0 and c.ci_low == c.ci_high:
        return (f"Within noise: {c.label_a} and {c.label_b} scored the same on all {c.n} folds "
                f"(no difference in {c.metric}).")
    p_text = f"p = {c.p_adjusted:.2g}" + (" after Holm correction" if adjusted else "")
    if c.significant:
        loser = c.label_a if c.winner == c.label_b else c.label_b
        return f"{c.winner} beats {loser} by {abs(c.diff):.3g} {c.metric}, {p_text}."
    constant = c.ci_low == c.ci_high
    if constant:
        return (f"{c.label_b} differs from {c.label_a} by {c.diff:+.3g} {c.metric} on every one "
                f"of the {c.n} folds, but {c.n} folds are too few for the signed-rank test "
                f"to confirm it (p = {c.p_wilcoxon:.2g}); re-evaluate over more seeds.")
    return (f"Within noise: no evidence either way with {c.n} folds ({c.label_b} - "
            f"{c.label_a} = {c.diff:+.3g} {c.metric}, 95% CI [{c.ci_low:+.3g}, "
            f"{c.ci_high:+.3g}], {p_text}).")


def compare_folds(
    a: Sequence[float],
    b: Sequence[float],
    *,
    label_a: str = "A",
    label_b: str = "B",
    metric: str = "score",
    direction: str = "maximize",
    alpha: float = 0.05,
) -> PairedComparison:
    """Paired t-test and Wilcoxon signed-rank test of B against A on the same folds."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.size != y.size:
        return _nan_result(label_a, label_b, metric, direction, 0, alpha,
                           f"Cannot pair the folds: {label_a} has {x.size} fold scores and "
                           f"{label_b} has {y.size}. Compare runs that use the same split "
                           "(method, folds and seed).")
    if x.size < MIN_FOLDS:
        return _nan_result(label_a, label_b, metric, direction, int(x.size), alpha,
                           f"Too few folds to test: {x.size} paired score(s), need at least "
                           f"{MIN_FOLDS}. Use more folds or re-evaluate over several seeds.")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return _nan_result(label_a, label_b, metric, direction, int(x.size), alpha,
                           "Some fold scores are missing or not finite: cannot test.")
    d = y - x
    n = int(d.size)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd > 1e-12 * max(1.0, abs(mean)):
        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        t_stat, p_t = stats.ttest_rel(y, x)
        t_stat, p_t, dz = float(t_stat), float(p_t), mean / sd
    else:  # no spread: the t-test is undefined
        half, dz = 0.0, (0.0 if mean == 0 else math.copysign(math.inf, mean))
        t_stat = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        p_t = 1.0 if mean == 0 else float("nan")
    if np.all(d == 0):
        p_w = 1.0
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p_w = float(stats.wilcoxon(y, x).pvalue)
    p_decide = p_t if math.isfinite(p_t) else p_w
    result = PairedComparison(
        label_a, label_b, metric, direction, n, float(x.mean()), float(y.mean()), mean,
        mean - half, mean + half, t_stat, p_decide, p_w, float(dz), p_decide, alpha, "")
    return replace(result, verdict=_verdict(result, adjusted=False))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN)."""
    p = np.asarray(p_values, dtype=float)
    finite = np.flatnonzero(np.isfinite(p))
    adjusted = np.full(p.size, np.nan)
    m = finite.size
    order = finite[np.argsort(p[finite], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def compare_many(
    scores: Mapping[str, Sequence[float]],
    *,
    baseline: str | None = None,
    metric: str = "score",
    direction: str = "maximize",
    alpha: float = 0.05,
) -> list[PairedComparison]:
    """Compare several runs' fold scores: each against `baseline`, or all pairs.

    With more than one comparison the p-values are Holm-adjusted (family-wise error at alpha).
    """
    labels = list(scores)
    if baseline is not None:
        if baseline not in scores:
            raise KeyError(f"baseline {baseline!r} is not among the runs: {', '.join(labels)}")
        pairs = [(baseline, other) for other in labels if other != baseline]
    else:
        pairs = list(combinations(labels, 2))
    results = [compare_folds(scores[a], scores[b], label_a=a, label_b=b, metric=metric,
                             direction=direction, alpha=alpha) for a, b in pairs]
    if len(results) < 2:
        return results
    adjusted = holm([r.p_value for r in results])
    out = []
    for result, p_adj in zip(results, adjusted, strict=True):
        if result.refused is None:
            result = replace(result, p_adjusted=p_adj)
            result = replace(result, verdict=_verdict(result, adjusted=True))
        out.append(result)
    return out


def draw_comparisons(results: Sequence[PairedComparison]) -> go.Figure:
    """Mean difference with its 95% CI per pair (a forest plot); verdicts on hover."""
    shown = [r for r in results if r.refused is None]
    labels = [f"{r.label_b} - {r.label_a}" for r in shown]
    fig = go.Figure(go.Scatter(
        x=[r.diff for r in shown], y=labels, mode="markers",
        error_x={"type": "data", "symmetric": False,
                 "array": [r.ci_high - r.diff for r in shown],
                 "arrayminus": [r.diff - r.ci_low for r in shown]},
        marker={"size": 10, "color": ["#2ca02c" if r.significant else "grey" for r in shown]},
        text=[r.verdict for r in shown], hovertemplate="%{text}<extra></extra>",
    ))
    fig.add_vline(x=0, line_dash="dash", line_color="grey")
    metric = results[0].metric if results else "score"
    refused = [r.verdict for r in results if r.refused is not None]
    note = "<br><sup>" + "; ".join(refused) + "</sup>" if refused else ""
    fig.update_layout(title={"text": f"Paired differences in {metric} (95% CI){note}"},
                      xaxis={"title": f"difference in {metric}"},
                      height=max(300, 60 * len(shown) + 150))
    return fig
