"""Feature impact of a best trial: the refitted model's own importances and SHAP values rank the
column the target was planted on first, per input column (one-hot features summed back), for
tree and non-tree models; unusable specs and datasets raise a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optunagui.analysis import (
    FeatureImpactError,
    compute_feature_impact,
    draw_model_importance,
    draw_shap_bar,
    draw_shap_beeswarm,
    source_columns,
)
from optunagui.features import build_preprocessor

COLORS = ["red", "green", "blue"]


def planted_frame(n: int = 300, seed: int = 0, *, on: str = "signal") -> pd.DataFrame:
    """Three columns; the target depends on ``on`` only ("signal": numeric, regression;
    "color": categorical, classification)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "noise": rng.normal(size=n),
        "color": rng.choice(COLORS, size=n),
        "signal": rng.uniform(-2, 2, size=n),
    })
    if on == "signal":
        frame["y"] = 3.0 * frame["signal"] + 0.05 * rng.normal(size=n)
    else:
        frame["y"] = np.where(frame["color"] == "red", "yes", "no")
    return frame


def planted_spec(path: Path, model: str, task: str) -> dict[str, Any]:
    return {"name": "planted", "dataset": {"path": str(path), "target": "y"}, "task": task,
            "model": model, "metrics": [{"name": "r2" if task == "regression" else "accuracy"}]}


@pytest.fixture
def numeric_csv(tmp_path: Path) -> Path:
    path = tmp_path / "numeric.csv"
    planted_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def categorical_csv(tmp_path: Path) -> Path:
    path = tmp_path / "categorical.csv"
    planted_frame(on="color").to_csv(path, index=False)
    return path


def test_source_columns_map_one_hot_features_back_to_their_column():
    frame = pd.DataFrame({"a": ["x", "y", "z", "x"], "a_b": ["p", "q", "p", "q"],
                          "num": [1.0, 2.0, 3.0, 4.0]})
    preprocessor = build_preprocessor(frame, list(frame.columns), {}, needs_scaling=True)
    preprocessor.fit(frame)
    names = list(preprocessor.get_feature_names_out())
    sources = source_columns(preprocessor)
    assert dict(zip(names, sources, strict=True)) == {
        "a_x": "a", "a_y": "a", "a_z": "a", "a_b_p": "a_b", "a_b_q": "a_b", "num": "num"}


def test_random_forest_ranks_the_planted_column_first(numeric_csv):
    params = {"n_estimators": 10, "max_depth": 4}
    record = compute_feature_impact(planted_spec(numeric_csv, "random_forest", "regression"),
                                    params, trial_number=7, max_rows=40)
    assert record.explainer == "tree"
    assert record.columns[0] == "signal"
    assert set(record.columns) == {"signal", "noise", "color"}  # one-hot "color" is one column
    assert record.shap_values.shape == (40, 3) == record.feature_values.shape
    assert record.sample_size == 40 and record.trial_number == 7
    assert max(record.importances, key=record.importances.get) == "signal"
    assert record.importances["signal"] > 0.8
    assert sum(record.importances.values()) == pytest.approx(1.0)
    assert max(record.mean_abs_shap, key=record.mean_abs_shap.get) == "signal"
    assert record.mean_abs_shap["signal"] == pytest.approx(
        np.abs(record.shap_values[:, 0]).mean())
    # SHAP follows the planted effect: high signal pushes the prediction up
    assert np.corrcoef(record.feature_values[:, 0], record.shap_values[:, 0])[0, 1] > 0.9
    assert np.isnan(record.feature_values[:, record.columns.index("color")]).all()
    assert record.output == "predicted value"
    assert record.seconds > 0
    assert "Trial 7's random_forest" in record.note and "40 held-out rows" in record.note


def test_logistic_regression_finds_a_planted_categorical_column(categorical_csv):
    spec = planted_spec(categorical_csv, "logistic_regression", "classification")
    record = compute_feature_impact(spec, {"C": 1.0}, max_rows=200)
    assert record.explainer == "permutation"
    assert record.n_background == 20
    assert record.sample_size == 60  # every held-out row (20% of 300), under the cap of 100
    assert record.shap_values.shape == (60, 3)
    assert record.columns[0] == "color"  # its three one-hot features summed back
    assert max(record.importances, key=record.importances.get) == "color"
    assert record.output == "probability of class yes"
    red = record.feature_text[:, 0] == "red"
    # "red" rows are pushed towards "yes", the others away from it
    assert record.shap_values[red, 0].min() > 0 > record.shap_values[~red, 0].max()


def test_ridge_and_multiclass_forest_on_builtin_datasets():
    ridge = compute_feature_impact(
        {"name": "d", "dataset": {"builtin": "diabetes"}, "model": "ridge"}, {"alpha": 1.0})
    assert ridge.explainer == "permutation" and ridge.output == "predicted value"
    assert ridge.shap_values.shape == (89, 10)
    assert set(ridge.columns[:2]) <= {"bmi", "s5", "s1", "bp"}
    iris = compute_feature_impact(
        {"name": "i", "dataset": {"builtin": "iris"}, "model": "random_forest"},
        {"n_estimators": 10, "max_depth": 3})
    assert iris.shap_values.shape == (30, 4)
    assert iris.output == "probability of each row's predicted class"
    petals = {"petal length (cm)", "petal width (cm)"}
    assert iris.columns[0] in petals
    assert max(iris.importances, key=iris.importances.get) in petals


def test_boosting_without_built_in_importances_still_gets_shap():
    record = compute_feature_impact(
        {"name": "b", "dataset": {"builtin": "breast_cancer"}, "model": "hist_gradient_boosting"},
        {"max_iter": 10, "max_leaf_nodes": 8})
    assert record.explainer == "tree" and record.importances is None
    assert record.output == "log-odds of class 1"
    assert record.shap_values.shape == (114, 30)
    figure = draw_model_importance(record)
    assert "no built-in importances" in figure.layout.annotations[0].text


def test_figures_carry_the_record(numeric_csv):
    record = compute_feature_impact(planted_spec(numeric_csv, "random_forest", "regression"),
                                    {"n_estimators": 5, "max_depth": 3}, max_rows=30)
    bars = draw_shap_bar(record).data[0]
    assert list(bars.y) == list(reversed(record.columns))  # the largest drawn on top
    assert list(bars.x) == [record.mean_abs_shap[c] for c in reversed(record.columns)]
    assert draw_model_importance(record).data[0].y[-1] == "signal"
    swarm = draw_shap_beeswarm(record)
    numeric, grey = swarm.data
    assert len(numeric.x) == 2 * 30 and len(grey.x) == 30  # "color" is not numeric
    numeric_columns = np.delete(record.shap_values, record.columns.index("color"), axis=1)
    assert sorted(numeric.x) == pytest.approx(sorted(numeric_columns.ravel()))
    assert {d[0] for d in grey.customdata} == {"color"}
    top = len(record.columns) - 1  # the first column sits on the top row
    signal_rows = [y for y, d in zip(numeric.y, numeric.customdata, strict=True)
                   if d[0] == "signal"]
    assert all(abs(y - top) <= 0.4 for y in signal_rows)
    assert list(swarm.layout.yaxis.ticktext) == list(reversed(record.columns))


def test_unusable_inputs_raise_a_clear_error(tmp_path, numeric_csv):
    missing = planted_spec(tmp_path / "gone.csv", "random_forest", "regression")
    with pytest.raises(FeatureImpactError, match="dataset cannot be loaded"):
        compute_feature_impact(missing, {"n_estimators": 5})
    unknown = planted_spec(numeric_csv, "no_such_model", "regression")
    with pytest.raises(FeatureImpactError, match="cannot be refitted"):
        compute_feature_impact(unknown, {})
    bad_params = planted_spec(numeric_csv, "random_forest", "regression")
    with pytest.raises(FeatureImpactError, match="cannot be refitted"):
        compute_feature_impact(bad_params, {"n_estimators": -3})
    with pytest.raises(FeatureImpactError, match="spec cannot be read"):
        compute_feature_impact({"name": "x", "dataset": {"name": "data"}, "model": "custom"}, {})
