from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest

from optunagui.datasets import LoadedDataset, load_builtin
from optunagui.objective import evaluate, fit_best, prepare_data
from optunagui.spec.space import resolve_space, suggest
from optunagui.spec.validation import validate_spec

optuna.logging.set_verbosity(optuna.logging.WARNING)


class RecordingReporter:
    def __init__(self):
        self.reports: list[tuple[int, dict]] = []

    def report(self, step, metrics):
        self.reports.append((step, dict(metrics)))


def make_spec(**fields):
    raw = {"name": "t", "dataset": {"builtin": "breast_cancer"}, "model": "logistic_regression",
           "split": {"method": "stratified_kfold", "folds": 3, "seed": 0},
           "metrics": [{"name": "roc_auc"}]}
    raw.update(fields)
    return validate_spec(raw)


def test_prepare_data_splits_off_a_seeded_test_set_never_in_the_folds():
    spec = make_spec()
    dataset = load_builtin("breast_cancer")
    first, again = prepare_data(spec, dataset), prepare_data(spec, dataset)
    assert len(first.X_train) + len(first.X_test) == len(dataset.frame)
    assert first.X_test.equals(again.X_test)
    assert len(first.folds) == 3
    for fit_idx, valid_idx in first.folds:
        assert max(fit_idx.max(), valid_idx.max()) < len(first.X_train)
        assert not set(fit_idx) & set(valid_idx)
    assert "target" not in first.X_train.columns
    assert sorted(set(first.y_train)) == [0, 1]


def test_evaluate_returns_metrics_fold_scores_and_reports_each_fold():
    spec = make_spec()
    data = prepare_data(spec, load_builtin("breast_cancer"))
    reporter = RecordingReporter()
    result = evaluate(spec, {"C": 1.0}, data, reporter)
    assert 0.9 < result.values[0] <= 1.0
    assert len(result.fold_scores["roc_auc"]) == 3
    assert result.metrics["roc_auc"] == pytest.approx(np.mean(result.fold_scores["roc_auc"]))
    assert {"accuracy", "f1", "log_loss", "balanced_accuracy"} <= set(result.metrics)
    assert [step for step, _ in reporter.reports] == [1, 2, 3]
    assert result.feature_importances and result.fit_time_s > 0


def test_evaluate_reports_boosting_progress_in_steps():
    spec = make_spec(model="lightgbm", space={"n_estimators": {"type": "fixed", "value": 40}})
    data = prepare_data(spec, load_builtin("breast_cancer"))
    reporter = RecordingReporter()
    result = evaluate(spec, {"n_estimators": 40, "learning_rate": 0.1, "num_leaves": 15}, data,
                      reporter)
    steps = [step for step, _ in reporter.reports]
    assert len(steps) >= 5 and steps == sorted(steps)
    assert result.n_steps == steps[-1]
    assert reporter.reports[-1][1]["roc_auc"] == pytest.approx(result.values[0])


def test_evaluate_stops_when_the_reporter_prunes():
    spec = make_spec(model="lightgbm")
    data = prepare_data(spec, load_builtin("breast_cancer"))

    class PruneAtTwo(RecordingReporter):
        def report(self, step, metrics):
            super().report(step, metrics)
            if step == 2:
                raise optuna.TrialPruned()

    reporter = PruneAtTwo()
    with pytest.raises(optuna.TrialPruned):
        evaluate(spec, {"n_estimators": 50}, data, reporter)
    assert len(reporter.reports) == 2


def test_evaluate_regression_with_transforms_and_categorical_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "size": rng.uniform(1, 100, 200),
        "region": rng.choice(["north", "south", "east"], 200),
        "age": rng.integers(18, 80, 200).astype(float),
    })
    frame.loc[::17, "age"] = np.nan
    frame["price"] = 3 * frame["size"] + (frame["region"] == "north") * 50 + rng.normal(0, 5, 200)
    dataset = LoadedDataset(name="houses", frame=frame, target="price", task="regression",
                            sha256="x", source="file", path=None)
    spec = validate_spec(
        {"name": "h", "dataset": {"path": "houses.csv", "target": "price"}, "model": "ridge",
         "features": {"transforms": {"size": "log1p", "region": "one_hot", "age": "standardize"}},
         "split": {"method": "kfold", "folds": 3}, "metrics": [{"name": "r2"}, {"name": "rmse"}]},
        dataset=dataset,
    )
    data = prepare_data(spec, dataset)
    result = evaluate(spec, {"alpha": 1.0}, data)
    assert result.values[0] > 0.8 and result.values[1] > 0
    assert {"r2", "rmse", "mae"} == set(result.metrics)
    assert any(name.startswith("region_") for name in result.feature_importances)


def test_fit_best_scores_the_held_out_test_set():
    spec = make_spec()
    data = prepare_data(spec, load_builtin("breast_cancer"))
    pipeline, test_metrics = fit_best(spec, {"C": 1.0}, data)
    assert test_metrics["roc_auc"] > 0.9
    assert len(pipeline.predict(data.X_test)) == len(data.X_test)


@pytest.mark.slow
def test_objective_runs_in_process_with_optuna_for_a_conditional_mlp_space():
    spec = make_spec(model="mlp", preset="fast", split={"method": "holdout", "test_size": 0.25})
    data = prepare_data(spec, load_builtin("breast_cancer"))
    space = resolve_space(spec)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))

    def objective(trial):
        params = suggest(trial, space)
        return evaluate(spec, params, data).values[0]

    study.optimize(objective, n_trials=3)
    assert study.best_value > 0.5
    for trial in study.trials:
        assert ("momentum" in trial.params) == (trial.params.get("optimizer") == "sgd")
