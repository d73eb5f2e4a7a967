from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import log_loss, mean_squared_error

from optunagui.models import get_model
from optunagui.models._base import chunk_targets
from tests.models._data import DATASETS

BOOSTING = {
    "lightgbm": "n_estimators",
    "xgboost": "n_estimators",
    "hist_gradient_boosting": "max_iter",
}
BOOSTING_CASES = [(name, data) for name in BOOSTING for data in DATASETS]


def _loss(estimator, data) -> float:
    if data.task == "classification":
        return log_loss(data.y, estimator.predict_proba(data.X), labels=np.unique(data.y))
    return mean_squared_error(data.y, estimator.predict(data.X))


def _rounds(estimator, name: str) -> int:
    if name == "lightgbm":
        return estimator.booster_.current_iteration()
    if name == "xgboost":
        return estimator.get_booster().num_boosted_rounds()
    return estimator.n_iter_


def test_chunk_targets_splits_rounds_into_ten_chunks():
    assert chunk_targets(100) == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert chunk_targets(25) == [2, 5, 8, 10, 12, 15, 18, 20, 22, 25]
    assert chunk_targets(4) == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        chunk_targets(0)


@pytest.mark.parametrize(("name", "data_name"), BOOSTING_CASES)
def test_fit_steps_boosting_yields_ten_improving_steps(name, data_name):
    data = DATASETS[data_name]
    model = get_model(name)
    key = BOOSTING[name]
    estimator = model.build({key: 40, "learning_rate": 0.2}, data.task)
    losses, rounds = [], []
    for step in model.fit_steps(estimator, data.X, data.y):
        assert estimator.get_params()[key] == 40  # the caller's setting, not the chunk size
        losses.append(_loss(estimator, data))
        rounds.append(_rounds(estimator, name))
        assert step == len(losses)
    assert len(losses) == 10
    assert rounds == chunk_targets(40)
    assert losses[-1] < losses[0]
    assert all(later <= earlier + 1e-9 for earlier, later in zip(losses, losses[1:], strict=False))


@pytest.mark.parametrize(("name", "data_name"), BOOSTING_CASES)
def test_fit_steps_boosting_ends_equal_to_fit(name, data_name):
    data = DATASETS[data_name]
    model = get_model(name)
    params = {BOOSTING[name]: 30, "learning_rate": 0.3}
    stepped = model.build(params, data.task, seed=4)
    for _ in model.fit_steps(stepped, data.X, data.y):
        pass
    whole = model.build(params, data.task, seed=4).fit(data.X, data.y)
    if data.task == "classification":
        np.testing.assert_allclose(
            stepped.predict_proba(data.X), whole.predict_proba(data.X), rtol=1e-5, atol=1e-6
        )
    np.testing.assert_allclose(stepped.predict(data.X), whole.predict(data.X), rtol=1e-5)
    assert stepped.get_params() == whole.get_params()


@pytest.mark.parametrize("name", sorted(BOOSTING))
def test_fit_steps_boosting_with_few_rounds_has_one_step_per_round(name):
    data = DATASETS["regression"]
    model = get_model(name)
    estimator = model.build({BOOSTING[name]: 4}, data.task)
    assert list(model.fit_steps(estimator, data.X, data.y)) == [1, 2, 3, 4]
    assert _rounds(estimator, name) == 4


@pytest.mark.parametrize("name", sorted(BOOSTING))
def test_fit_steps_boosting_refit_starts_from_scratch(name):
    data = DATASETS["multiclass"]
    model = get_model(name)
    estimator = model.build({BOOSTING[name]: 20}, data.task)
    for _ in range(2):
        for _ in model.fit_steps(estimator, data.X, data.y):
            pass
        assert _rounds(estimator, name) == 20


def test_fit_steps_hist_gradient_boosting_restores_warm_start():
    data = DATASETS["binary"]
    model = get_model("hist_gradient_boosting")
    estimator = model.build({"max_iter": 20}, data.task)
    for _ in model.fit_steps(estimator, data.X, data.y):
        assert estimator.get_params()["warm_start"] is False
    estimator.fit(data.X, data.y)  # a plain refit still trains all rounds from scratch
    assert estimator.n_iter_ == 20


def test_fit_steps_hist_gradient_boosting_stops_with_its_own_early_stopping():
    data = DATASETS["regression"]
    model = get_model("hist_gradient_boosting")
    params = {"max_iter": 500, "early_stopping": True, "n_iter_no_change": 2,
              "learning_rate": 0.5}
    estimator = model.build(params, data.task)
    steps = list(model.fit_steps(estimator, data.X, data.y))
    assert estimator.n_iter_ < 500
    assert len(steps) < 10


def test_fit_steps_is_none_for_non_iterative_models():
    for name in ("random_forest", "extra_trees", "logistic_regression", "ridge",
                 "elastic_net", "svm"):
        assert get_model(name).fit_steps is None
