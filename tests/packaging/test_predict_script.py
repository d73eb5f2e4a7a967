"""predict.py, run in a fresh interpreter without optunagui, reproduces the trained pipeline."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from tests.packaging.conftest import package, run_predict, train

FAMILIES = [
    ({"builtin": "iris"}, "random_forest", {"n_estimators": 15, "max_depth": 3}, "accuracy"),
    ({"builtin": "iris"}, "logistic_regression", {"C": 0.7}, "accuracy"),
    ({"builtin": "iris"}, "mlp",
     {"n_layers": 1, "units": 8, "epochs": 4, "batch_size": 16, "learning_rate": 0.01},
     "accuracy"),
    ({"builtin": "diabetes"}, "ridge", {"alpha": 0.3}, "rmse"),
    ({"builtin": "diabetes"}, "random_forest", {"n_estimators": 10, "max_depth": 4}, "rmse"),
]


@pytest.mark.parametrize(("dataset", "model", "params", "metric"), FAMILIES,
                         ids=[f"{d['builtin']}-{m}" for d, m, _, _ in FAMILIES])
def test_predict_script_reproduces_the_pipeline_on_held_out_rows(
    tmp_path, dataset, model, params, metric
):
    trained = train(dataset, model, params, [metric])
    built = package(trained, tmp_path / "v1")
    held_out = trained.data.X_test
    held_out.to_csv(tmp_path / "held_out.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "held_out.csv"),
                       "-o", str(tmp_path / "predictions.csv"))

    assert done.returncode == 0, done.stderr
    predicted = pd.read_csv(tmp_path / "predictions.csv")["prediction"].to_numpy()
    expected = trained.expected(held_out)
    assert len(predicted) == len(held_out) == len(trained.data.y_test)
    if trained.data.task == "classification":
        assert predicted.tolist() == expected.tolist()
    else:
        np.testing.assert_allclose(predicted, expected, rtol=0, atol=1e-12)
    expected_format = "torch-mlp" if model == "mlp" else "skops"
    assert built.manifest["artifact"]["format"] == expected_format


def test_proba_columns_are_the_pipelines_class_probabilities(iris_forest, tmp_path):
    trained, built = iris_forest
    trained.data.X_test.to_csv(tmp_path / "in.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "in.csv"), "--proba")

    assert done.returncode == 0, done.stderr
    table = pd.read_csv(io.StringIO(done.stdout))
    classes = trained.data.classes
    assert list(table.columns) == ["prediction"] + [f"probability_{c}" for c in classes]
    expected = trained.pipeline.predict_proba(trained.data.X_test)
    np.testing.assert_allclose(table.iloc[:, 1:].to_numpy(), expected, rtol=0, atol=1e-12)


def test_columns_in_another_order_are_reordered(iris_forest, tmp_path):
    trained, built = iris_forest
    shuffled = trained.data.X_test[list(reversed(trained.data.feature_columns))]
    shuffled.to_csv(tmp_path / "reversed.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "reversed.csv"))

    assert done.returncode == 0, done.stderr
    predicted = pd.read_csv(io.StringIO(done.stdout))["prediction"]
    assert predicted.tolist() == trained.expected(trained.data.X_test).tolist()


def test_a_missing_column_is_refused_naming_it(iris_forest, tmp_path):
    trained, built = iris_forest
    dropped = trained.data.feature_columns[1]
    trained.data.X_test.drop(columns=[dropped]).to_csv(tmp_path / "short.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "short.csv"))

    assert done.returncode == 2
    assert f"missing column(s) {dropped!r}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_extra_column_is_refused_unless_asked_to_drop_it(iris_forest, tmp_path):
    trained, built = iris_forest
    frame = trained.data.X_test.assign(species_guess="setosa")
    frame.to_csv(tmp_path / "wide.csv", index=False)

    refused = run_predict(built.directory, str(tmp_path / "wide.csv"))
    dropped = run_predict(built.directory, str(tmp_path / "wide.csv"), "--ignore-extra")

    assert refused.returncode == 2
    assert "unexpected column(s) 'species_guess'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert dropped.returncode == 0, dropped.stderr
    predicted = pd.read_csv(io.StringIO(dropped.stdout))["prediction"]
    assert predicted.tolist() == trained.expected(trained.data.X_test).tolist()


def test_a_value_of_the_wrong_type_is_refused_with_its_row(iris_forest, tmp_path):
    trained, built = iris_forest
    column = trained.data.feature_columns[0]
    frame = trained.data.X_test.head(3).astype(object)
    frame.loc[1, column] = "wide"
    frame.to_csv(tmp_path / "bad.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "bad.csv"))

    assert done.returncode == 2
    assert f"column {column!r}, row 2: expected a number, got 'wide'" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_numbers_reach_the_pipelines_imputer(iris_forest, tmp_path):
    trained, built = iris_forest
    frame = trained.data.X_test.head(5).copy()
    frame.iloc[0, 0] = np.nan
    frame.to_csv(tmp_path / "gaps.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "gaps.csv"))

    assert done.returncode == 0, done.stderr
    predicted = pd.read_csv(io.StringIO(done.stdout))["prediction"]
    assert predicted.tolist() == trained.expected(frame).tolist()


def test_an_unreadable_or_absent_input_is_a_clear_error(iris_forest, tmp_path):
    _, built = iris_forest

    done = run_predict(built.directory, str(tmp_path / "nowhere.csv"))

    assert done.returncode == 2 and "nowhere.csv: no such file" in done.stderr


def test_regression_models_refuse_proba(tmp_path):
    trained = train({"builtin": "diabetes"}, "ridge", {"alpha": 1.0}, ["rmse"])
    built = package(trained, tmp_path / "v1")
    trained.data.X_test.to_csv(tmp_path / "in.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "in.csv"), "--proba")

    assert done.returncode == 2 and "regression model gives no class probabilities" in done.stderr


def test_an_altered_model_file_is_not_loaded(iris_forest, tmp_path_factory):
    trained, built = iris_forest
    copy = tmp_path_factory.mktemp("altered") / "v1"
    shutil.copytree(built.directory, copy)
    with (copy / "pipeline.skops").open("ab") as handle:
        handle.write(b"\0")
    trained.data.X_test.to_csv(copy / "in.csv", index=False)

    done = run_predict(copy, "in.csv")

    assert done.returncode == 3 and "pipeline.skops differs" in done.stderr


def test_types_missing_from_the_trusted_list_are_not_loaded(iris_forest, tmp_path_factory):
    trained, built = iris_forest
    copy = tmp_path_factory.mktemp("untrusted") / "v1"
    shutil.copytree(built.directory, copy)
    manifest = json.loads((copy / "model.json").read_text())
    trusted = manifest["artifact"]["pipeline"]["trusted"]
    assert trusted, "a pipeline of scikit-learn estimators lists the types it needs"
    removed = trusted.pop()
    (copy / "model.json").write_text(json.dumps(manifest))
    trained.data.X_test.to_csv(copy / "in.csv", index=False)

    done = run_predict(copy, "in.csv")

    assert done.returncode == 3
    assert f"types model.json does not list: {removed}" in done.stderr


def test_text_columns_go_through_the_packaged_transforms(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue"], n),
        "size": rng.normal(10, 3, n).round(3),
        "count": rng.integers(0, 20, n),
    })
    frame["label"] = np.where((frame["colour"] == "red") | (frame["size"] > 11), "yes", "no")
    frame.loc[3, "colour"] = None
    frame.to_csv(tmp_path / "shop.csv", index=False)
    trained = train({"path": str(tmp_path / "shop.csv"), "target": "label"},
                    "logistic_regression", {"C": 1.0}, ["accuracy"])
    built = package(trained, tmp_path / "v1")
    held_out = trained.data.X_test
    held_out.to_csv(tmp_path / "held_out.csv", index=False)

    done = run_predict(built.directory, str(tmp_path / "held_out.csv"))

    assert done.returncode == 0, done.stderr
    predicted = pd.read_csv(io.StringIO(done.stdout))["prediction"]
    assert predicted.tolist() == trained.expected(held_out).tolist()
    assert set(predicted) <= {"yes", "no"}
    assert "og_package_functions._to_text" in built.manifest["artifact"]["pipeline"]["trusted"]
    schema = {c["name"]: c["kind"] for c in built.manifest["input_schema"]}
    assert schema == {"colour": "text", "size": "float", "count": "integer"}


def test_class_names_a_spreadsheet_would_run_are_neutralised_unless_raw(tmp_path):
    rng = np.random.default_rng(1)
    n = 90
    frame = pd.DataFrame({"size": rng.normal(10, 3, n).round(3)})
    frame["label"] = np.where(frame["size"] > 10, "=HYPERLINK(\"http://x\")", "plain")
    frame.to_csv(tmp_path / "labels.csv", index=False)
    trained = train({"path": str(tmp_path / "labels.csv"), "target": "label"},
                    "logistic_regression", {"C": 1.0}, ["accuracy"])
    built = package(trained, tmp_path / "v1")
    trained.data.X_test.to_csv(tmp_path / "held_out.csv", index=False)

    guarded = run_predict(built.directory, str(tmp_path / "held_out.csv"), "--proba")
    raw = run_predict(built.directory, str(tmp_path / "held_out.csv"), "--proba", "--raw")

    assert guarded.returncode == 0 == raw.returncode, guarded.stderr + raw.stderr
    guarded_frame = pd.read_csv(io.StringIO(guarded.stdout))
    raw_frame = pd.read_csv(io.StringIO(raw.stdout))
    assert set(raw_frame["prediction"]) == {"=HYPERLINK(\"http://x\")", "plain"}
    assert set(guarded_frame["prediction"]) == {"'=HYPERLINK(\"http://x\")", "plain"}
    assert list(guarded_frame.columns) == list(raw_frame.columns)
