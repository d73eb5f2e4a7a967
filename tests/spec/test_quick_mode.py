"""Quick mode: the budget and pruner validation states, the stratified subsample, and the
wizard's estimate and launch using the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashapp.pages.new_run.wizard.estimate import Capacity, estimate_launch
from dashapp.pages.new_run.wizard.launch import create_runs
from optunagui import store
from optunagui.datasets import LoadedDataset
from optunagui.objective import QUICK_MAX_ROWS, prepare_data
from optunagui.spec import QUICK_GRACE_PERIOD, QUICK_MAX_TRIALS, QUICK_MIN_SAMPLES
from optunagui.spec.validation import validate_spec
from tests.factories import add_experiment

BOOSTING = {
    "name": "quick look",
    "dataset": {"builtin": "breast_cancer"},
    "model": "lightgbm",
    "preset": "fast",
    "split": {"method": "stratified_kfold", "folds": 3},
    "budget": {"n_trials": 100, "max_concurrent": 2},
    "quick": True,
}


def quick_spec(**changes):
    return validate_spec({**BOOSTING, **changes})


def test_quick_spec_caps_trials_and_prunes_an_iterative_model_below_the_median():
    spec = quick_spec()
    assert (QUICK_MAX_TRIALS, QUICK_GRACE_PERIOD, QUICK_MIN_SAMPLES) == (20, 3, 5)
    assert spec.budget.n_trials == 20
    assert spec.budget.max_concurrent == 2
    assert (spec.pruner.name, spec.pruner.grace_period,
            spec.pruner.min_samples_required) == ("median", 3, 5)
    stored = spec.to_dict()
    assert stored["budget"]["n_trials"] == 20
    assert stored["pruner"] == {"name": "median", "grace_period": 3, "reduction_factor": 3,
                                "min_samples_required": 5}


def test_quick_spec_keeps_a_smaller_budget_and_is_stable_when_validated_again():
    spec = quick_spec(budget={"n_trials": 7})
    assert spec.budget.n_trials == 7
    again = validate_spec(spec.to_dict())
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize("pruner", [
    {"name": "asha", "grace_period": 1, "reduction_factor": 6},
    {"name": "asha", "grace_period": 2, "reduction_factor": 2},
    {"name": "median", "grace_period": 1, "min_samples_required": 3},
])
def test_quick_spec_keeps_a_pruner_the_spec_chose(pruner):
    spec = quick_spec(pruner=pruner)
    assert spec.pruner.model_dump(include=set(pruner)) == pruner


@pytest.mark.parametrize(("model", "split"), [
    ("ridge", {"method": "kfold", "folds": 5}),
    ("random_forest", {"method": "kfold", "folds": 3}),
    ("logistic_regression", {"method": "holdout"}),
])
def test_quick_spec_does_not_prune_a_model_whose_steps_are_folds(model, split):
    task = "regression" if model == "ridge" else "classification"
    data = {"builtin": "diabetes"} if task == "regression" else {"builtin": "breast_cancer"}
    spec = quick_spec(model=model, preset="default", split=split, dataset=data, task=task)
    assert spec.budget.n_trials == 20 and spec.pruner.name == "none"


def test_quick_spec_with_several_metrics_caps_trials_but_does_not_prune():
    spec = quick_spec(metrics=[{"name": "roc_auc"}, {"name": "log_loss"}])
    assert spec.budget.n_trials == 20
    assert spec.pruner.name == "none"


def test_quick_spec_with_one_report_per_trial_leaves_the_pruner_alone():
    # A non-iterative model on a hold-out split reports once: nothing to prune between steps.
    spec = quick_spec(model="logistic_regression", preset="default",
                      split={"method": "holdout"}, pruner={"name": "median"})
    assert spec.budget.n_trials == 20
    assert spec.pruner.name == "median"


def test_quick_off_changes_nothing():
    spec = quick_spec(quick=False)
    assert spec.budget.n_trials == 100
    assert spec.pruner.name == "none"


def _dataset(target: np.ndarray, task: str) -> LoadedDataset:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=len(target)), "b": rng.normal(size=len(target)),
                          "y": target})
    return LoadedDataset(name="planted", frame=frame, target="y", task=task, sha256="0" * 64,
                         source="file")


def test_quick_subsample_keeps_each_class_share_and_the_rare_class():
    # 9,000 rows: 70 % / 29.9 % / 0.1 % (9 rows of the rare class).
    target = np.array(["a"] * 6300 + ["b"] * 2691 + ["c"] * 9)
    dataset = _dataset(np.random.default_rng(1).permutation(target), "classification")
    spec = quick_spec(dataset={"builtin": "iris"}, task="classification", model="lightgbm",
                      split={"method": "holdout", "test_size": 0.2, "seed": 5})
    full = prepare_data(spec.model_copy(update={"quick": False}), dataset)
    data = prepare_data(spec, dataset)
    assert data.quick and len(data.X_train) == QUICK_MAX_ROWS == 2000
    before = np.bincount(full.y_train) / len(full.y_train)
    after = np.bincount(data.y_train, minlength=3)
    # Each class within one row of its exact share of the 2,000, and the rare class kept.
    assert np.all(np.abs(after - before * QUICK_MAX_ROWS) <= 1.0)
    assert after[2] >= 1
    # The test part is never subsampled.
    assert len(data.X_test) == len(full.X_test) == 1800
    # Seeded: the same rows each time.
    assert np.array_equal(prepare_data(spec, dataset).X_train.to_numpy(), data.X_train.to_numpy())


def test_quick_subsample_of_a_regression_target_keeps_its_spread():
    target = np.random.default_rng(2).lognormal(size=8000)
    dataset = _dataset(target, "regression")
    spec = quick_spec(dataset={"builtin": "diabetes"}, task="regression", model="lightgbm",
                      metrics=[{"name": "rmse"}], split={"method": "kfold", "folds": 3})
    full = prepare_data(spec.model_copy(update={"quick": False}), dataset)
    data = prepare_data(spec, dataset)
    assert len(data.y_train) == 2000
    deciles = np.quantile(full.y_train, np.linspace(0.1, 0.9, 9))
    counts = np.bincount(np.searchsorted(deciles, data.y_train, side="right"), minlength=10)
    assert counts.min() >= 199 and counts.max() <= 201


def test_quick_subsample_only_when_the_search_part_is_larger():
    target = np.array([0, 1] * 500)
    dataset = _dataset(target, "classification")
    spec = quick_spec(dataset={"builtin": "iris"}, task="classification",
                      split={"method": "holdout", "test_size": 0.2})
    assert len(prepare_data(spec, dataset).X_train) == 800


def test_estimate_and_launch_use_the_quick_budget(db):
    spec = quick_spec()
    estimate = estimate_launch([spec], Capacity(cpu=4, gpu=0, source="test"))
    assert estimate.trials_per_run == [20] and estimate.total_trials == 20
    assert estimate.concurrent_per_run == [2]
    assert ("lightgbm: quick mode, 20 trials with median pruning on a stratified subsample "
            "of at most 2,000 rows") in estimate.notes
    with db.session() as session:
        user, experiment = add_experiment(session, "quick")
        [run_id] = create_runs(session, experiment.id, {"lightgbm": spec}, created_by=user.id)
        run = store.get_run(session, run_id)
        assert run.n_trials_budget == 20
        assert run.spec["budget"]["n_trials"] == 20
        assert run.spec["pruner"]["name"] == "median" and run.spec["quick"] is True


def test_estimate_without_quick_has_no_quick_note():
    estimate = estimate_launch([quick_spec(quick=False)], Capacity(cpu=4, gpu=0, source="t"))
    assert estimate.total_trials == 100
    assert not any("quick" in note for note in estimate.notes)
