from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from optunagui.models import TorchMLPClassifier, TorchMLPRegressor, get_model
from tests.models._data import DATASETS

MLP = get_model("mlp")
QUICK = {"n_layers": 1, "units": 16, "learning_rate": 0.01, "batch_size": 32}


def _steps(estimator, data):
    return list(MLP.fit_steps(estimator, data.X, data.y))


def test_mlp_build_returns_torch_estimators_per_task():
    assert isinstance(MLP.build({}, "classification"), TorchMLPClassifier)
    assert isinstance(MLP.build({}, "regression"), TorchMLPRegressor)


def test_mlp_build_rejects_unknown_params():
    with pytest.raises(ValueError, match="hidden_size"):
        MLP.build({"hidden_size": 3}, "regression")


def test_mlp_fit_steps_one_step_per_epoch_and_predicts_between_steps():
    data = DATASETS["multiclass"]
    estimator = MLP.build({**QUICK, "epochs": 8, "patience": 100}, data.task)
    accuracies = []
    for step in MLP.fit_steps(estimator, data.X, data.y):
        assert step == len(accuracies) + 1
        proba = estimator.predict_proba(data.X)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
        accuracies.append(estimator.score(data.X, data.y))
    assert len(accuracies) == 8
    assert estimator.n_epochs_ == 8
    assert len(estimator.validation_loss_curve_) == 8  # 10% held out for early stopping
    assert accuracies[-1] > accuracies[0]


def test_mlp_fit_steps_stops_after_patience_epochs_without_improvement():
    data = DATASETS["regression"]
    # A zero learning rate never improves on the first epoch's loss.
    params = {**QUICK, "optimizer": "sgd", "learning_rate": 0.0, "epochs": 50, "patience": 3}
    estimator = MLP.build(params, data.task)
    assert _steps(estimator, data) == [1, 2, 3, 4]
    assert estimator.best_epoch_ == 1


def test_mlp_patience_zero_stops_at_the_first_epoch_without_improvement():
    data = DATASETS["regression"]
    params = {**QUICK, "optimizer": "sgd", "learning_rate": 0.0, "epochs": 50, "patience": 0}
    assert _steps(MLP.build(params, data.task), data) == [1, 2]


def test_mlp_restores_best_epoch_weights():
    data = DATASETS["binary"]
    params = {**QUICK, "learning_rate": 0.3, "units": 64, "epochs": 40, "patience": 40}
    estimator = MLP.build(params, data.task).fit(data.X, data.y)
    curve = estimator.validation_loss_curve_
    assert estimator.best_epoch_ == int(np.argmin(curve)) + 1
    assert estimator.best_loss_ == pytest.approx(min(curve))


def test_mlp_fit_steps_ends_equal_to_fit_and_is_deterministic():
    data = DATASETS["multiclass"]
    params = {**QUICK, "dropout": 0.2, "epochs": 15}
    stepped = MLP.build(params, data.task, seed=9)
    _steps(stepped, data)
    whole = MLP.build(params, data.task, seed=9).fit(data.X, data.y)
    np.testing.assert_array_equal(stepped.predict_proba(data.X), whole.predict_proba(data.X))
    other = MLP.build(params, data.task, seed=10).fit(data.X, data.y)
    assert not np.array_equal(other.predict_proba(data.X), whole.predict_proba(data.X))


def test_mlp_training_leaves_the_global_torch_rng_alone():
    data = DATASETS["regression"]
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    MLP.build({**QUICK, "epochs": 2, "dropout": 0.3}, data.task).fit(data.X, data.y)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_mlp_optimizers_train(optimizer):
    data = DATASETS["binary"]
    params = {**QUICK, "optimizer": optimizer, "epochs": 10, "weight_decay": 1e-4}
    if optimizer == "sgd":
        params["momentum"] = 0.9
    estimator = MLP.build(params, data.task).fit(data.X, data.y)
    assert estimator.score(data.X, data.y) > 0.8


def test_mlp_regression_maps_standardised_target_back():
    data = DATASETS["regression"]
    estimator = MLP.build({**QUICK, "epochs": 30}, data.task).fit(data.X, data.y)
    pred = estimator.predict(data.X)
    assert pred.dtype == np.float64
    assert abs(pred.mean() - data.y.mean()) < 0.25 * data.y.std()
    assert estimator.score(data.X, data.y) > 0.2


def test_mlp_tiny_data_watches_the_training_loss():
    data = DATASETS["multiclass"]
    X, y = data.X[::10], data.y[::10]  # 12 rows: too few to hold out a validation set
    estimator = MLP.build({**QUICK, "epochs": 5}, data.task).fit(X, y)
    assert estimator.validation_loss_curve_ == []
    assert len(estimator.loss_curve_) == estimator.n_epochs_


def test_mlp_keeps_original_class_labels():
    data = DATASETS["binary"]
    y = np.where(data.y == 1, 7, 3)
    estimator = MLP.build({**QUICK, "epochs": 5}, data.task).fit(data.X, y)
    assert set(estimator.predict(data.X)) <= {3, 7}
    assert list(estimator.classes_) == [3, 7]


def test_mlp_fitted_pipeline_pickles_with_state_dict():
    data = DATASETS["multiclass"]
    estimator = MLP.build({**QUICK, "epochs": 5}, data.task)
    pipe = make_pipeline(StandardScaler(), estimator).fit(data.X, data.y)
    state = estimator.__getstate__()
    assert "module_" not in state
    assert all(isinstance(v, torch.Tensor) for v in state["_module_state"].values())
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict_proba(data.X), pipe.predict_proba(data.X))
    unfitted = pickle.loads(pickle.dumps(clone(estimator)))
    assert unfitted.get_params() == estimator.get_params()


def test_mlp_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLP.build({}, "classification").predict(DATASETS["binary"].X)


def test_mlp_predict_checks_feature_count():
    data = DATASETS["binary"]
    estimator = MLP.build({**QUICK, "epochs": 2}, data.task).fit(data.X, data.y)
    with pytest.raises(ValueError, match="features"):
        estimator.predict(data.X[:, :3])


def test_mlp_invalid_choices_are_reported():
    data = DATASETS["binary"]
    with pytest.raises(ValueError, match="optimizer"):
        MLP.build({"optimizer": "rmsprop"}, data.task).fit(data.X, data.y)
    with pytest.raises(ValueError, match="activation"):
        MLP.build({"activation": "swish2"}, data.task).fit(data.X, data.y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_mlp_cuda_without_gpu_falls_back_to_cpu_with_a_warning():
    data = DATASETS["binary"]
    estimator = MLP.build({**QUICK, "epochs": 2}, data.task, device="cuda")
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        estimator.fit(data.X, data.y)
    assert estimator.device_ == "cpu"
    assert estimator.get_params()["device"] == "cuda"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mlp_trains_on_cuda_and_pickles_to_cpu_weights():
    data = DATASETS["multiclass"]
    estimator = MLP.build({**QUICK, "epochs": 5}, data.task, device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        estimator.fit(data.X, data.y)
    assert estimator.device_.startswith("cuda")
    state = estimator.__getstate__()
    assert all(v.device.type == "cpu" for v in state["_module_state"].values())
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_allclose(
        restored.predict_proba(data.X), estimator.predict_proba(data.X), rtol=1e-5
    )
