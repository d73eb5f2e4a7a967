from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from optunagui.models import get_model, list_models
from tests.models._data import DATASETS, TinyData
from tests.models._spaces import capped, midpoint_params, sample_params

CASES = [
    (model.name, data)
    for model in list_models()
    for data in ("binary", "multiclass", "regression")
    if model.supports(DATASETS[data].task)
]
PRESET_CASES = [
    (model.name, preset, data)
    for model in list_models()
    for preset in model.presets
    for data in ("multiclass", "regression")
    if model.supports(DATASETS[data].task)
]


def _train(name: str, params: dict, data: TinyData, seed: int = 0):
    model = get_model(name)
    estimator = model.build(params, data.task, seed=seed)
    if model.fit_steps is not None:
        steps = list(model.fit_steps(estimator, data.X, data.y))
        assert steps == list(range(1, len(steps) + 1))
    else:
        estimator.fit(data.X, data.y)
    return estimator


def _check_predictions(estimator, data: TinyData) -> None:
    pred = estimator.predict(data.X)
    assert pred.shape == (len(data.y),)
    assert np.all(np.isfinite(pred))
    if data.task == "classification":
        assert set(np.unique(pred)) <= set(np.unique(data.y))
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(data.X)
            assert proba.shape == (len(data.y), len(np.unique(data.y)))
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(("name", "data_name"), CASES)
def test_build_midpoint_default_preset_learns(name, data_name):
    data = DATASETS[data_name]
    params = midpoint_params(get_model(name).presets["default"])
    estimator = _train(name, params, data)
    _check_predictions(estimator, data)
    if data.task == "classification":
        majority = np.bincount(data.y).max() / len(data.y)
        assert estimator.score(data.X, data.y) > majority + 0.1
    else:
        assert estimator.score(data.X, data.y) > 0.2


@pytest.mark.parametrize(("name", "preset", "data_name"), PRESET_CASES)
def test_build_sampled_preset_params_train_and_predict(name, preset, data_name):
    data = DATASETS[data_name]
    for seed in (1, 2):
        params = capped(name, sample_params(get_model(name).presets[preset], seed), 60)
        estimator = _train(name, params, data)
        _check_predictions(estimator, data)


@pytest.mark.parametrize(("name", "data_name"), CASES)
def test_build_empty_params_uses_defaults(name, data_name):
    data = DATASETS[data_name]
    estimator = _train(name, {}, data)
    _check_predictions(estimator, data)


@pytest.mark.parametrize("name", [m.name for m in list_models()])
def test_build_is_clonable_and_sits_in_a_pipeline(name):
    data = DATASETS["multiclass"]
    params = capped(name, midpoint_params(get_model(name).presets["fast"]), 20)
    estimator = get_model(name).build(params, data.task, seed=3)
    copy = clone(estimator)
    assert copy is not estimator
    assert copy.get_params() == estimator.get_params()
    for key, value in params.items():
        if key in estimator.get_params() and key != "alpha":
            assert estimator.get_params()[key] == value, key
    pipe = make_pipeline(StandardScaler(), copy).fit(data.X, data.y)
    assert pipe.predict(data.X).shape == (len(data.y),)


@pytest.mark.parametrize("name", [m.name for m in list_models()])
def test_build_same_seed_gives_same_model(name):
    data = DATASETS["binary"]
    params = capped(name, sample_params(get_model(name).presets["default"], 7), 30)
    first = _train(name, params, data, seed=5).predict(data.X)
    second = _train(name, params, data, seed=5).predict(data.X)
    np.testing.assert_array_equal(first, second)


def test_build_passes_seed_and_jobs_through():
    lgbm = get_model("lightgbm").build({}, "classification", n_jobs=2, seed=11)
    assert lgbm.get_params()["random_state"] == 11
    assert lgbm.get_params()["n_jobs"] == 2
    assert lgbm.get_params()["verbosity"] == -1
    forest = get_model("random_forest").build({}, "regression", n_jobs=2, seed=11)
    assert (forest.random_state, forest.n_jobs) == (11, 2)
    mlp = get_model("mlp").build({}, "regression", n_jobs=2, seed=11)
    assert (mlp.random_state, mlp.n_jobs) == (11, 2)


def test_build_xgboost_on_cuda_sets_device():
    assert get_model("xgboost").build({}, "regression", device="cuda").get_params()[
        "device"
    ] == "cuda"
    assert get_model("xgboost").build({}, "regression").get_params()["device"] == "cpu"


def test_build_lightgbm_ignores_device():
    estimator = get_model("lightgbm").build({}, "regression", device="cuda")
    assert estimator.get_params().get("device_type", "cpu") == "cpu"
    assert "device" not in estimator.get_params()


def test_build_ridge_and_elastic_net_pick_the_estimator_per_task():
    from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge, RidgeClassifier

    assert isinstance(get_model("ridge").build({}, "classification"), RidgeClassifier)
    assert isinstance(get_model("ridge").build({}, "regression"), Ridge)
    clf = get_model("elastic_net").build({"alpha": 0.5, "l1_ratio": 0.3}, "classification")
    assert isinstance(clf, LogisticRegression)
    assert (clf.C, clf.l1_ratio, clf.solver) == (2.0, 0.3, "saga")
    reg = get_model("elastic_net").build({"alpha": 0.5, "l1_ratio": 0.3}, "regression")
    assert isinstance(reg, ElasticNet)
    assert (reg.alpha, reg.l1_ratio) == (0.5, 0.3)


def test_build_svm_has_no_probabilities_but_a_decision_function():
    data = DATASETS["binary"]
    svc = get_model("svm").build({"C": 1.0}, "classification").fit(data.X, data.y)
    assert not hasattr(svc, "predict_proba")
    assert svc.decision_function(data.X).shape == (len(data.y),)


def test_build_quiet_training_prints_nothing(capfd):
    data = DATASETS["multiclass"]
    for name in ("lightgbm", "xgboost", "mlp"):
        params = {"n_estimators": 5} if name != "mlp" else {"epochs": 3}
        model = get_model(name)
        for _ in model.fit_steps(model.build(params, data.task), data.X, data.y):
            pass
    out, err = capfd.readouterr()
    assert out == ""
    assert err == ""


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs a CUDA device")
def test_build_xgboost_trains_on_cuda():
    data = DATASETS["multiclass"]
    model = get_model("xgboost")
    estimator = model.build({"n_estimators": 20}, data.task, device="cuda")
    assert list(model.fit_steps(estimator, data.X, data.y)) == list(range(1, 11))
    assert estimator.get_booster().num_boosted_rounds() == 20
    assert estimator.score(data.X, data.y) > 0.9
