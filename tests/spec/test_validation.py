from __future__ import annotations

import copy

import pandas as pd
import pytest

from optunagui.spec.io import dump_spec
from optunagui.spec.validation import SpecError, validate_spec

ISSUE_SPEC = {
    "name": "breast-cancer-lgbm",
    "dataset": {"builtin": "breast_cancer"},
    "task": "classification",
    "split": {"method": "stratified_kfold", "folds": 5, "seed": 0},
    "model": "lightgbm",
    "preset": "default",
    "space": {
        "learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
        "num_leaves": {"type": "int", "low": 8, "high": 256},
        "boosting_type": {"type": "categorical", "choices": ["gbdt", "dart"]},
        "drop_rate": {"type": "float", "low": 0.05, "high": 0.5,
                      "when": {"boosting_type": ["dart"]}},
    },
    "metrics": [{"name": "roc_auc", "direction": "maximize"}],
    "sampler": {"name": "tpe", "seed": 0},
    "pruner": {"name": "asha", "grace_period": 1, "reduction_factor": 3},
    "budget": {"n_trials": 50, "max_concurrent": 2, "timeout_s": None},
    "resources": {"cpu": 1, "gpu": 0},
    "quick": False,
}


def problems_of(raw: dict, **kwargs) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        validate_spec(raw, **kwargs)
    return {p.path: p.message for p in caught.value.problems}


def with_changes(**changes) -> dict:
    raw = copy.deepcopy(ISSUE_SPEC)
    raw.update(changes)
    return raw


def test_validate_spec_accepts_the_documented_example():
    spec = validate_spec(ISSUE_SPEC)
    assert spec.model == "lightgbm"
    assert spec.space["drop_rate"].when == {"boosting_type": ["dart"]}
    assert spec.directions == ["maximize"]


def test_validate_spec_round_trips_losslessly_through_yaml_and_json():
    import json

    import yaml

    spec = validate_spec(ISSUE_SPEC)
    assert validate_spec(yaml.safe_load(dump_spec(spec))) == spec
    assert validate_spec(json.loads(dump_spec(spec, "json"))) == spec


def test_validate_spec_fills_task_metric_and_whole_space():
    raw = {"name": "r", "dataset": {"builtin": "diabetes"}, "model": "random_forest"}
    spec = validate_spec(raw)
    assert spec.task == "regression"
    assert [m.name for m in spec.metrics] == ["rmse"]
    assert spec.metrics[0].direction == "minimize"
    assert spec.space, "the normalised spec holds the preset's ranges"


def test_validate_spec_reports_every_problem_at_once_with_paths():
    raw = with_changes(
        model="lightgbm",
        space={
            "num_leaves": {"type": "int", "low": 300, "high": 8},
            "learning_rate": {"type": "float", "low": 0, "high": 0.3, "log": True},
        },
        metrics=[{"name": "rmse"}],
        sampler={"name": "annealing"},
        resources={"cpu": 1.5, "gpu": 0},
    )
    found = problems_of(raw)
    assert "greater than high" in found["space.num_leaves.low"]
    assert "log range needs low > 0" in found["space.learning_rate.low"]
    assert "resources.cpu" in found
    assert "regression metric" in found["metrics[0].name"]
    assert "unknown sampler 'annealing'" in found["sampler.name"]
    assert "tpe" in found["sampler.name"]


@pytest.mark.parametrize(
    ("changes", "path", "text"),
    [
        ({"model": "lgbm"}, "model", "unknown model 'lgbm'; valid: "),
        ({"preset": "huge"}, "preset", "unknown preset 'huge'"),
        ({"metrics": [{"name": "auc"}]}, "metrics[0].name", "unknown metric 'auc'"),
        ({"metrics": [{"name": "roc_auc", "direction": "minimize"}]},
         "metrics[0].direction", "use maximize"),
        ({"dataset": {"builtin": "titanic"}}, "dataset.builtin", "titanic"),
        ({"task": "regression", "model": "logistic_regression", "space": {},
          "metrics": [{"name": "r2"}]}, "model", "does not do regression"),
        ({"split": {"method": "group_kfold"}}, "split.group", "needs group"),
        ({"split": {"method": "bootstrap"}}, "split.method", "bootstrap"),
        ({"split": {"method": "kfold", "folds": 1}}, "split.folds", "greater than or equal"),
        ({"resources": {"cpu": 0.5}}, "resources.cpu", "whole number"),
        ({"resources": {"cpu": 1, "gpu": 0.5}}, "resources.gpu", "CPU only"),
        ({"budget": {"n_trials": 0}}, "budget.n_trials", "greater than or equal to 1"),
        ({"colour": "blue"}, "colour", "not a known field"),
        ({"name": ""}, "name", "at least 1"),
        ({"space": {"drop_rate": {"type": "float", "low": 0.1, "high": 0.5,
                                  "when": {"booster": ["dart"]}}}},
         "space.drop_rate.when", "depends on 'booster'"),
        ({"space": {"drop_rate": {"type": "float", "low": 0.1, "high": 0.5,
                                  "when": {"num_leaves": [1000]}}}},
         "space.drop_rate.when", "can never be 1000"),
        ({"space": {"x": {"type": "categorical", "choices": []}}},
         "space.x.choices", "non-empty list"),
        ({"space": {"x": {"type": "int", "low": 1.5, "high": 4}}}, "space.x.low", "whole number"),
        ({"space": {"x": {"type": "float", "low": 1}}}, "space.x.high", "both low and high"),
        ({"space": {"x": {"type": "fixed"}}}, "space.x.value", "needs a value"),
        ({"metrics": [{"name": "roc_auc"}, {"name": "accuracy"}]}, "pruner.name", "several"),
        ({"metrics": [{"name": "roc_auc"}, {"name": "accuracy"}], "pruner": {"name": "none"},
          "sampler": {"name": "cmaes"}}, "sampler.name", "one metric only"),
        ({"sampler": {"name": "grid"}}, "space.learning_rate.step", "needs a step"),
    ],
)
def test_validate_spec_rejects_bad_fields(changes, path, text):
    found = problems_of(with_changes(**changes))
    assert path in found, found
    if text:
        assert text in found[path]


def test_validate_spec_rejects_metric_needing_probabilities_for_a_model_without_them():
    found = problems_of(with_changes(model="svm", space={}, metrics=[{"name": "log_loss"}]))
    assert "no class probabilities" in found["metrics[0].name"]


def test_validate_spec_rejects_unknown_columns_and_transforms(tmp_path):
    data = tmp_path / "churn.csv"
    pd.DataFrame({"customer_id": range(40), "income": [float(i) for i in range(40)],
                  "region": ["n", "s"] * 20, "churned": [0, 1] * 20}).to_csv(data, index=False)
    raw = with_changes(
        dataset={"path": "churn.csv", "target": "churned"},
        space={},
        features={"exclude": ["customer_id", "age"],
                  "transforms": {"income": "log1p", "region": "standardize",
                                 "churned": "minmax", "income2": "log1p"}},
    )
    found = problems_of(raw, base_dir=tmp_path)
    assert "'age' is not in the dataset" in found["features.exclude[1]"]
    assert "needs a numeric column" in found["features.transforms.region"]
    assert "is the target" in found["features.transforms.churned"]
    assert "'income2' is not in the dataset" in found["features.transforms.income2"]


def test_validate_spec_names_a_missing_target_column(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2, 3, 4], "b": [0, 1, 0, 1]}).to_csv(data, index=False)
    raw = with_changes(dataset={"path": str(data), "target": "label"}, space={})
    found = problems_of(raw)
    assert "label" in found["dataset.target"]


def test_validate_spec_makes_relative_dataset_paths_absolute(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": range(30), "b": [0, 1, 2] * 10}).to_csv(data, index=False)
    raw = with_changes(dataset={"path": "d.csv", "target": "b"}, space={},
                       metrics=[{"name": "accuracy"}], split={"method": "kfold", "folds": 3})
    spec = validate_spec(raw, base_dir=tmp_path)
    assert spec.dataset.path == str(data)


def test_validate_spec_rejects_a_non_mapping():
    assert "mapping" in problems_of(["not", "a", "spec"])[""]  # type: ignore[arg-type]


def _penguins(tmp_path) -> str:
    """Penguins-like data: labels, a body mass in grams with ~95 distinct values, some gaps."""
    rows = 240
    frame = pd.DataFrame({
        "species": ["Adelie", "Gentoo", "Chinstrap"] * (rows // 3),
        "bill_length_mm": [32.1 + (i % 50) / 3 for i in range(rows)],
        "flipper_length_mm": [None if i % 17 == 0 else 170 + i % 60 for i in range(rows)],
        "body_mass_g": [2700 + 25 * (i * 7 % 95) for i in range(rows)],
    })
    path = tmp_path / "penguins.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _on(path: str, target: str, **changes) -> dict:
    fields = {"dataset": {"path": path, "target": target}, "space": {},
              "model": "random_forest", "metrics": [], "split": {"method": "kfold", "folds": 3},
              **changes}
    return with_changes(**fields)


def test_classes_are_refused_for_a_numeric_target_of_many_distinct_values(tmp_path):
    data = _penguins(tmp_path)
    found = problems_of(_on(data, "body_mass_g", task="classification"))
    assert "95 distinct numbers of 'body_mass_g'" in found["task"]
    assert "set task to regression" in found["task"]
    fractional = problems_of(_on(data, "bill_length_mm", task="classification"))
    assert "fractional numbers" in fractional["task"]
    inferred = validate_spec(_on(data, "body_mass_g", task=None))
    assert inferred.task == "regression" and inferred.metrics[0].name == "rmse"


def test_regression_is_refused_for_a_target_of_labels(tmp_path):
    found = problems_of(_on(_penguins(tmp_path), "species", task="regression"))
    assert "holds labels ('Adelie', 'Gentoo', 'Chinstrap')" in found["task"]


def test_label_codes_beyond_twenty_classes_stay_classification(tmp_path):
    path = tmp_path / "codes.csv"
    pd.DataFrame({"x": range(300), "digit": [i % 30 for i in range(300)]}).to_csv(path,
                                                                                  index=False)
    spec = validate_spec(_on(str(path), "digit", task="classification"))
    assert spec.task == "classification"


def test_stratified_folds_are_refused_for_regression_with_what_to_use(tmp_path):
    raw = _on(_penguins(tmp_path), "body_mass_g", task=None,
              split={"method": "stratified_kfold", "folds": 3})
    found = problems_of(raw)
    assert "for classification; for regression use kfold" in found["split.method"]
    assert set(found) == {"split.method"}


def test_validation_records_the_preprocessing_applied_and_the_rows_without_a_target(tmp_path):
    path = tmp_path / "gaps.csv"
    pd.DataFrame({"island": ["Biscoe", "Dream", None, "Torgersen"] * 10,
                  "flipper": [180.0, None, 190.0, 200.0] * 10,
                  "mass": [3000.0 + 10 * i if i % 8 else None for i in range(40)]}
                 ).to_csv(path, index=False)
    given = _on(str(path), "mass", task=None,
                features={"transforms": {"flipper": "minmax"},
                          "applied": {"island": "forged"}, "rows_without_target": 99})
    spec = validate_spec(given)
    assert spec.features.applied == {"island": "one_hot", "flipper": "minmax"}
    assert spec.features.rows_without_target == 5
    assert validate_spec(spec.to_dict()).features == spec.features
    scaled = validate_spec({**given, "model": "ridge"})
    assert scaled.features.applied == {"island": "one_hot", "flipper": "minmax"}
    plain = validate_spec({**given, "model": "ridge", "features": {}})
    assert plain.features.applied == {"island": "one_hot", "flipper": "standardize"}
