from __future__ import annotations

import numpy as np
import pytest

from optunagui.metrics import Predictions, score_all
from optunagui.spec import SplitSpec
from optunagui.splits import split_folds, split_test


def test_split_test_keeps_time_order_and_groups_together():
    y = np.arange(100, dtype=float)
    train, test = split_test(y, SplitSpec(method="time_series", test_size=0.2), "regression")
    assert train.max() < test.min() and len(test) == 20
    groups = np.repeat(np.arange(20), 5)
    train, test = split_test(y, SplitSpec(method="group_kfold", group="g"), "regression", groups)
    assert not set(groups[train]) & set(groups[test])


def test_split_folds_stratifies_and_rejects_stratified_regression():
    y = np.array([0] * 80 + [1] * 20)
    folds = split_folds(y, SplitSpec(method="stratified_kfold", folds=4), "classification")
    assert all(y[valid].sum() == 5 for _, valid in folds)
    with pytest.raises(ValueError, match="stratified_kfold"):
        split_folds(y.astype(float), SplitSpec(method="stratified_kfold"), "regression")


def test_score_all_computes_classification_and_regression_metrics():
    y = np.array([0, 1, 1, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.6, 0.4]])
    scores = score_all(Predictions(y, proba.argmax(1), proba, True, 2), "classification")
    assert scores["accuracy"] == 1.0 and scores["roc_auc"] == 1.0
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.6, 0.6])))
    reg = score_all(Predictions(np.array([1.0, 2.0]), np.array([1.0, 4.0])), "regression")
    assert reg["rmse"] == pytest.approx(np.sqrt(2)) and reg["mae"] == 1.0


def test_score_all_gives_nan_where_a_fold_holds_one_class():
    y = np.array([1, 1, 1])
    proba = np.array([[0.2, 0.8]] * 3)
    scores = score_all(Predictions(y, np.array([1, 1, 1]), proba, True, 2), "classification")
    assert np.isnan(scores["roc_auc"]) and scores["accuracy"] == 1.0
