from __future__ import annotations

import numpy as np
import pytest

from optunagui.models import get_model
from tests.models._data import DATASETS
from tests.models._spaces import midpoint_params, sample_params


def _fit(name, params, data_name="multiclass"):
    data = DATASETS[data_name]
    model = get_model(name)
    estimator = model.build(params, data.task)
    if model.fit_steps is None:
        estimator.fit(data.X, data.y)
    else:
        for _ in model.fit_steps(estimator, data.X, data.y):
            pass
    assert np.all(np.isfinite(estimator.predict(data.X)))
    return estimator


def test_conditional_params_follow_their_parent_when_sampled():
    space = get_model("svm").presets["wide"]
    for seed in range(40):
        params = sample_params(space, seed)
        assert ("gamma" in params) == (params["kernel"] != "linear")
        assert ("degree" in params) == (params["kernel"] == "poly")
        assert ("coef0" in params) == (params["kernel"] in ("poly", "sigmoid"))


def test_conditional_midpoint_drops_params_of_inactive_branches():
    params = midpoint_params(get_model("mlp").presets["default"])
    assert params["optimizer"] == "adam"
    assert "momentum" not in params
    params = midpoint_params(get_model("lightgbm").presets["wide"])
    assert params["boosting_type"] == "gbdt"
    assert "drop_rate" not in params


@pytest.mark.parametrize("kernel", ["linear", "rbf", "poly", "sigmoid"])
def test_conditional_svm_kernels(kernel):
    params = {"C": 1.0, "kernel": kernel}
    if kernel != "linear":
        params["gamma"] = 0.1
    if kernel == "poly":
        params["degree"] = 3
    if kernel in ("poly", "sigmoid"):
        params["coef0"] = 0.5
    estimator = _fit("svm", params)
    assert estimator.kernel == kernel
    assert estimator.gamma == params.get("gamma", "scale")
    _fit("svm", params, "regression")


def test_conditional_lightgbm_dart_with_drop_rate():
    params = {"n_estimators": 20, "boosting_type": "dart", "drop_rate": 0.3}
    estimator = _fit("lightgbm", params)
    assert estimator.booster_.current_iteration() == 20
    assert estimator.get_params()["drop_rate"] == 0.3


def test_conditional_lightgbm_subsample_turns_bagging_on():
    assert get_model("lightgbm").build({"subsample": 0.7}, "regression").subsample_freq == 1
    assert get_model("lightgbm").build({}, "regression").subsample_freq == 0
    explicit = get_model("lightgbm").build({"subsample": 0.7, "subsample_freq": 3}, "regression")
    assert explicit.subsample_freq == 3


def test_conditional_xgboost_dart_and_lossguide():
    params = {"n_estimators": 20, "booster": "dart", "rate_drop": 0.2, "skip_drop": 0.1,
              "grow_policy": "lossguide", "max_leaves": 8}
    estimator = _fit("xgboost", params)
    assert estimator.get_booster().num_boosted_rounds() == 20
    _fit("xgboost", params, "regression")


def test_conditional_forest_max_samples_only_with_bootstrap():
    with_bootstrap = _fit("random_forest", {"n_estimators": 20, "bootstrap": True,
                                            "max_samples": 0.6})
    assert with_bootstrap.max_samples == 0.6
    without = _fit("extra_trees", {"n_estimators": 20, "bootstrap": False, "max_samples": 0.6})
    assert without.max_samples is None
    _fit("extra_trees", {"n_estimators": 20, "bootstrap": True, "max_samples": 0.6}, "regression")


def test_conditional_logistic_l1_ratio_with_saga():
    estimator = _fit("logistic_regression", {"C": 1.0, "solver": "saga", "l1_ratio": 0.5})
    assert (estimator.solver, estimator.l1_ratio) == ("saga", 0.5)
    auto = get_model("logistic_regression").build({"l1_ratio": 0.5}, "classification")
    assert auto.solver == "saga"
    plain = _fit("logistic_regression", {"C": 1.0, "solver": "lbfgs"})
    assert plain.l1_ratio == 0.0


def test_conditional_mlp_momentum_only_matters_for_sgd():
    sgd = _fit("mlp", {"optimizer": "sgd", "momentum": 0.5, "epochs": 3})
    assert sgd.momentum == 0.5
    adam = _fit("mlp", {"optimizer": "adam", "epochs": 3})
    assert adam.optimizer == "adam"
