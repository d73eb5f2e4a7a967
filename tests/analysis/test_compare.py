from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from optunagui.analysis import (
    best_fold_scores,
    compare_folds,
    compare_many,
    draw_comparisons,
    holm,
)

from .conftest import StoreRun, make_spec, rng

SPACE = {"c": {"type": "float", "low": 0.0, "high": 1.0}}


def _run_with_folds(store_run: StoreRun, load, folds: list[float], others: int = 3):
    rows = [{"number": i, "state": "complete", "values": [0.5 - i / 100], "params": {"c": 0.1},
             "user_attrs": {"fold_scores": {"auc": [0.5] * len(folds)}}} for i in range(others)]
    rows.append({"number": others, "state": "complete", "values": [float(np.mean(folds))],
                 "params": {"c": 0.9}, "user_attrs": {"fold_scores": {"auc": folds}}})
    return load(store_run(make_spec(SPACE, [{"name": "auc", "direction": "maximize"}]), rows))


def test_comparison_finds_a_planted_difference(store_run: StoreRun, load) -> None:
    noise = rng(11).normal(0, 0.004, 10)
    a_folds = (0.80 + rng(12).normal(0, 0.02, 10)).round(4).tolist()
    b_folds = (np.array(a_folds) + 0.012 + noise).round(4).tolist()
    a = best_fold_scores(_run_with_folds(store_run, load, a_folds))
    b = best_fold_scores(_run_with_folds(store_run, load, b_folds))
    assert a == a_folds and b == b_folds
    result = compare_folds(a, b, label_a="A", label_b="B", metric="AUC")
    d = np.array(b) - np.array(a)
    assert result.diff == pytest.approx(d.mean())
    assert result.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue)
    assert result.p_wilcoxon == pytest.approx(stats.wilcoxon(b, a).pvalue)
    assert result.cohen_dz == pytest.approx(d.mean() / d.std(ddof=1))
    half = stats.t.ppf(0.975, 9) * d.std(ddof=1) / math.sqrt(10)
    assert (result.ci_low, result.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert result.significant and result.winner == "B"
    assert result.verdict == f"B beats A by {abs(d.mean()):.3g} AUC, p = {result.p_value:.2g}."
    lower = compare_folds(b, a, label_a="B", label_b="A", direction="minimize", metric="loss")
    assert lower.winner == "A"  # lower is better, and A scored lower


def test_identical_runs_are_within_noise(store_run: StoreRun, load) -> None:
    folds = [0.81, 0.79, 0.83, 0.80, 0.82]
    a = best_fold_scores(_run_with_folds(store_run, load, folds))
    b = best_fold_scores(_run_with_folds(store_run, load, list(folds), others=5))
    same = compare_folds(a, b)
    assert not same.significant and same.winner is None
    assert same.verdict.startswith("Within noise") and "5 folds" in same.verdict
    jitter = compare_folds(folds, [f + e for f, e in zip(folds, [0.004, -0.006, 0.002, 0.003,
                                                                 -0.004], strict=True)])
    assert not jitter.significant
    assert jitter.verdict.startswith("Within noise: no evidence either way with 5 folds")
    assert jitter.ci_low < 0 < jitter.ci_high


def test_refusals_and_a_constant_shift() -> None:
    assert "Cannot pair the folds" in compare_folds([1, 2, 3], [1, 2]).verdict
    few = compare_folds([0.1, 0.2], [0.3, 0.4])
    assert few.refused and "need at least 3" in few.verdict and math.isnan(few.p_value)
    shifted = compare_folds([0.1, 0.2, 0.3, 0.4, 0.5], [0.11, 0.21, 0.31, 0.41, 0.51])
    assert not shifted.significant and "too few for the signed-rank test" in shifted.verdict
    assert "missing or not finite" in compare_folds([1, 2, float("nan")], [1, 2, 3]).verdict


def test_holm_and_many_runs() -> None:
    assert holm([0.01, 0.04, 0.03, float("nan")])[:3] == pytest.approx([0.03, 0.06, 0.06])
    base = np.array([0.80, 0.78, 0.82, 0.79, 0.81, 0.80, 0.77, 0.83])
    scores = {"base": base, "same": base + rng(1).normal(0, 0.003, 8),
              "better": base + 0.03 + rng(2).normal(0, 0.003, 8)}
    results = compare_many(scores, baseline="base", metric="acc")
    assert [(r.label_a, r.label_b) for r in results] == [("base", "same"), ("base", "better")]
    raw = [r.p_value for r in results]
    assert [r.p_adjusted for r in results] == pytest.approx(holm(raw))
    assert results[1].winner == "better" and "after Holm correction" in results[1].verdict
    assert not results[0].significant
    assert len(compare_many(scores)) == 3
    with pytest.raises(KeyError, match="baseline 'x'"):
        compare_many(scores, baseline="x")
    fig = draw_comparisons(results)
    assert list(fig.data[0].y) == ["same - base", "better - base"]


def test_fold_scores_as_a_plain_list_and_when_missing(store_run: StoreRun, load) -> None:
    rows = [{"number": 0, "state": "complete", "values": [0.7], "params": {"c": 0.5},
             "user_attrs": {"fold_scores": [0.6, 0.8]}},
            {"number": 1, "state": "complete", "values": [0.9], "params": {"c": 0.5}}]
    frame = load(store_run(make_spec(SPACE), rows))
    assert best_fold_scores(frame) is None  # the best trial recorded none
    frame = load(store_run(make_spec(SPACE), rows[:1]))
    assert best_fold_scores(frame) == [0.6, 0.8]
