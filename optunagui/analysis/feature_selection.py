"""Which input columns a run could do without, each with its evidence.

`recommend_features` refits the run's best few trials on each validation fold
(``optunagui.analysis.feature_evidence``) and judges every input column:

- **negligible**: shuffling it costs (next to) nothing in every one of those trials: the 95%
  t-interval of its permutation importance over the folds stays below ``threshold`` (a small
  share, ``NEGLIGIBLE_SHARE``, of the score), or holds 0 with a mean below it;
- **redundant**: a duplicate of a kept column, or numeric and in strong rank correlation with
  one (``feature_redundancy``): the kept partner carries its information. Alike columns share
  their importance, so a group's importance is judged on the sum of its members'.

Each recommendation carries the numbers and the estimated effect of dropping the column (its
permutation importance interval, as a change of the metric). `combine_recommendations` joins
several runs on the same dataset: a column is flagged when most of them flag it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from optunagui.analysis.feature_evidence import (
    FeatureSelectionError,
    TrialEvidence,
    direction_of,
    load_folds,
    read_spec,
    trial_evidence,
)
from optunagui.analysis.feature_redundancy import Likeness, find_likeness, sample_rows

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.datasets import LoadedDataset

__all__ = [
    "NEGLIGIBLE_SHARE",
    "TOP_TRIALS",
    "ColumnAdvice",
    "FeatureRecommendations",
    "Interval",
    "TrialToCheck",
    "interval",
    "recommend_features",
]

TOP_TRIALS = 3
TIME_BUDGET_S = 30.0  # the next best trial is left out when it would not fit
NEGLIGIBLE_SHARE = 0.01
MIN_THRESHOLD = 1e-6


@dataclass(frozen=True)
class TrialToCheck:
    number: int
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% t-interval and the min and max of the values it comes from."""

    mean: float
    low: float
    high: float
    min: float
    max: float
    n: int

    def text(self, fmt: str = "+.3g") -> str:
        return f"{self.mean:{fmt}} (95% CI {self.low:{fmt}}..{self.high:{fmt}})"


def interval(values: Sequence[float]) -> Interval:
    x = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if x.size == 0:
        nan = float("nan")
        return Interval(nan, nan, nan, nan, nan, 0)
    mean = float(x.mean())
    half = 0.0
    if x.size > 1:
        half = float(stats.t.ppf(0.975, x.size - 1)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return Interval(mean, mean - half, mean + half, float(x.min()), float(x.max()), int(x.size))


@dataclass(frozen=True)
class ColumnAdvice:
    """One input column's verdict ("keep", "negligible" or "redundant") and evidence.

    Attributes:
        permutation: per trial number, the score lost when the column is shuffled (metric
            units; positive: it helps), over the folds.
        shap: per trial number, its mean |SHAP value| over the folds.
        effect: the estimated change of the metric when the column is dropped (the pooled
            permutation interval, signed as the metric moves).
        partner: for a redundant column, the kept column that carries its information.
    """

    column: str
    verdict: str
    reason: str
    permutation: dict[int, Interval]
    shap: dict[int, Interval]
    effect: Interval
    partner: str | None = None
    likeness: str | None = None
    rho: float | None = None

    @property
    def drop(self) -> bool:
        return self.verdict != "keep"


@dataclass(frozen=True)
class FeatureRecommendations:
    """What a run's best trials say about its input columns (``columns``: flagged first)."""

    metric: str
    direction: str
    model: str
    trials: tuple[int, ...]
    n_folds: int
    n_rows: int
    threshold: float
    baseline: float
    columns: tuple[ColumnAdvice, ...]
    explainer: str
    seconds: float
    run_id: int | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def drop(self) -> list[str]:
        return [c.column for c in self.columns if c.drop]

    def advice(self, column: str) -> ColumnAdvice:
        for found in self.columns:
            if found.column == column:
                return found
        raise KeyError(column)

    @property
    def summary(self) -> str:
        trials = ", ".join(str(n) for n in self.trials)
        plural = "s" if len(self.trials) > 1 else ""
        head = (f"Trial{plural} {trials} of the {self.model} refitted on {self.n_folds} folds "
                f"each "
                f"({self.n_rows} rows) in {self.seconds:.1f} s; negligible: below "
                f"{self.threshold:.3g} {self.metric}.")
        head += "".join(f" {note}" for note in self.notes)
        if not self.drop:
            return head + " Every column earns its place."
        return head + f" Could drop: {', '.join(self.drop)}."

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["drop"] = self.drop
        out["summary"] = self.summary
        for column in out["columns"]:
            column["permutation"] = {str(k): v for k, v in column["permutation"].items()}
            column["shap"] = {str(k): v for k, v in column["shap"].items()}
        return out


def _is_negligible(value: Interval, threshold: float) -> bool:
    if value.n == 0:
        return False
    return value.high <= threshold or (value.low <= 0 and value.mean <= threshold)


def _summed(evidence: TrialEvidence, members: Sequence[str]) -> list[float]:
    return [float(sum(values)) for values in
            zip(*(evidence.permutation[m] for m in members), strict=True)]


def _groups(order: Sequence[str], alike: Mapping[tuple[str, str], Likeness]
            ) -> dict[str, list[str]]:
    """Representative (the most important of its group) -> its members, itself first."""
    groups: dict[str, list[str]] = {}
    for column in order:
        home = next((rep for rep in groups if (column, rep) in alike), None)
        if home is None:
            groups[column] = [column]
        else:
            groups[home].append(column)
    return groups


def _effect(pooled: Interval, direction: str) -> Interval:
    if direction == "maximize":  # shuffling loses score: dropping lowers it (+ 0.0: no -0)
        return Interval(-pooled.mean + 0.0, -pooled.high + 0.0, -pooled.low + 0.0,
                        -pooled.max + 0.0, -pooled.min + 0.0, pooled.n)
    return pooled


def _judge(columns: Sequence[str], evidence: Sequence[TrialEvidence],
           alike: Mapping[tuple[str, str], Likeness], threshold: float, metric: str,
           direction: str) -> list[ColumnAdvice]:
    pooled = {c: interval([v for e in evidence for v in e.permutation[c]]) for c in columns}
    order = sorted(columns, key=lambda c: -pooled[c].mean if pooled[c].n else math.inf)
    out = []
    for rep, members in _groups(order, alike).items():
        negligible = all(_is_negligible(interval(_summed(e, members)), threshold)
                         for e in evidence)
        for column in members:
            perm = {e.number: interval(e.permutation[column]) for e in evidence}
            shap = {e.number: interval(e.shap[column]) for e in evidence}
            effect = _effect(pooled[column], direction)
            if negligible:
                shared = f" (with {', '.join(m for m in members if m != column)})" if len(
                    members) > 1 else ""
                reason = (f"Shuffling it{shared} costs at most {threshold:.3g} {metric} in "
                          f"each of the best trials: dropping it changes {metric} by about "
                          f"{effect.text()}.")
                out.append(ColumnAdvice(column, "negligible", reason, perm, shap, effect))
            elif column == rep:
                out.append(ColumnAdvice(column, "keep", f"Shuffling it changes {metric} by "
                                        f"{_effect(pooled[column], direction).text()}.",
                                        perm, shap, effect))
            else:
                like = alike[(column, rep)]
                reason = (f"It is {like.describe(rep)}, which is kept and carries the same "
                          f"information; shuffling it alone changes {metric} by "
                          f"{effect.text()}.")
                out.append(ColumnAdvice(column, "redundant", reason, perm, shap, effect,
                                        partner=rep, likeness=like.kind, rho=like.rho))
    return sorted(out, key=lambda a: (not a.drop, order.index(a.column)))


def _measure(spec: Any, chosen: Sequence[TrialToCheck], folds: Any, started: float
             ) -> tuple[list[TrialEvidence], list[str]]:
    """Evidence of the best trial, then of the next ones while they fit ``TIME_BUDGET_S``."""
    evidence: list[TrialEvidence] = []
    for position, trial in enumerate(chosen):
        elapsed = time.perf_counter() - started
        if evidence and elapsed + elapsed / len(evidence) > TIME_BUDGET_S:
            left = [str(t.number) for t in chosen[position:]]
            which = (f"Trial {left[0]} was" if len(left) == 1
                     else f"Trials {', '.join(left)} were")
            return evidence, [f"{which} left out to stay within {TIME_BUDGET_S:.0f} s."]
        evidence.append(trial_evidence(spec, trial.number, trial.params, folds))
    return evidence, []


def recommend_features(
    spec: Any,
    trials: Sequence[TrialToCheck],
    settings: Settings | None = None,
    *,
    run_id: int | None = None,
    top: int = TOP_TRIALS,
    dataset: LoadedDataset | None = None,
) -> FeatureRecommendations:
    """Judge every input column of the run on its ``top`` best trials (given best first).

    Raises:
        FeatureSelectionError: the run has no complete trial, or its spec, dataset or
            parameters cannot make a model.
    """
    started = time.perf_counter()
    chosen = list(trials)[:top]
    if not chosen:
        raise FeatureSelectionError(
            "The run has no complete trial yet: recommendations come from its best trials.")
    checked = read_spec(spec)
    if checked.model is None:
        raise FeatureSelectionError(
            "The run tunes your own code, not one of the product's models: there is no "
            "pipeline to refit, so nothing to recommend.")
    metric, direction = direction_of(checked)
    checked, data, folds = load_folds(checked, settings, dataset=dataset)
    columns = [str(c) for c in data.X_train.columns]
    if len(columns) < 2:
        raise FeatureSelectionError("The run has a single input column: nothing to drop.")
    evidence, notes = _measure(checked, chosen, folds, started)
    baseline = float(np.mean([v for e in evidence for v in e.baseline]))
    threshold = max(NEGLIGIBLE_SHARE * abs(baseline), MIN_THRESHOLD)
    alike = find_likeness(sample_rows(data.X_train, checked.split.seed))
    advice = _judge(columns, evidence, alike, threshold, metric.name, direction)
    return FeatureRecommendations(
        metric=metric.name, direction=direction, model=checked.model_name,
        trials=tuple(e.number for e in evidence), n_folds=len(folds),
        n_rows=len(data.y_train), threshold=threshold, baseline=baseline,
        columns=tuple(advice), explainer=evidence[0].explainer,
        seconds=time.perf_counter() - started, run_id=run_id, notes=tuple(notes))
