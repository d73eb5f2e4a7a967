"""model.json, requirements.txt and the zip: what a package says about its model."""

from __future__ import annotations

import hashlib
import json
import zipfile
from importlib import metadata

import pytest
import skops.io

from optunagui.packaging import FORMAT_VERSION, PackageError
from optunagui.spec import ExperimentSpec
from tests.packaging.conftest import package, run_predict, train

IRIS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_model_json_describes_run_trial_scores_and_data(iris_forest):
    trained, built = iris_forest
    manifest = json.loads((built.directory / "model.json").read_text())

    assert manifest == built.manifest
    assert manifest["format_version"] == FORMAT_VERSION
    assert (manifest["run_id"], manifest["run_name"], manifest["version"],
            manifest["trial_number"]) == (7, "tuning", 1, 3)
    assert (manifest["model_family"], manifest["task"]) == ("random_forest", "classification")
    assert manifest["params"] == {"n_estimators": 15, "max_depth": 3}
    assert manifest["primary_metric"] == "accuracy"
    assert manifest["validation_metrics"] == {"accuracy": 0.5}
    assert manifest["test_metrics"] == pytest.approx(trained.scores)
    assert set(manifest["test_metrics"]) >= {"accuracy", "log_loss"}
    assert ExperimentSpec.model_validate(manifest["spec"]) == trained.spec
    assert manifest["dataset"] == {
        "source": "iris", "sha256": trained.data.dataset_sha256, "n_rows": 150,
        "n_features": 4, "n_train_rows": 120, "n_test_rows": 30,
    }
    assert manifest["input_schema"] == [
        {"name": name, "dtype": "float64", "kind": "float"} for name in IRIS
    ]
    assert (manifest["target"], manifest["classes"]) == ("target", [0, 1, 2])
    assert manifest["created_at"].endswith("+00:00")


def test_versions_and_requirements_pin_the_installed_libraries(iris_forest):
    _, built = iris_forest
    versions = built.manifest["versions"]

    assert set(versions) == {"python", "numpy", "pandas", "scipy", "scikit-learn", "skops"}
    assert versions["scikit-learn"] == metadata.version("scikit-learn")
    assert versions["skops"] == metadata.version("skops")
    lines = (built.directory / "requirements.txt").read_text().splitlines()
    assert lines[0] == f"# Python {versions['python']}"
    assert sorted(lines[1:]) == sorted(f"{name}=={version}" for name, version
                                       in versions.items() if name != "python")


def test_the_trusted_list_is_what_skops_reports_for_the_saved_file(iris_forest):
    _, built = iris_forest
    entry = built.manifest["artifact"]["pipeline"]
    path = built.directory / entry["file"]

    assert entry["sha256"] == _sha256(path)
    assert entry["trusted"] == sorted(skops.io.get_untrusted_types(file=path))
    assert not any(name.startswith("optunagui") for name in entry["trusted"])
    pipeline = skops.io.load(path, trusted=entry["trusted"])
    assert type(pipeline.named_steps["model"]).__name__ == "RandomForestClassifier"


def test_excluded_columns_are_not_inputs(tmp_path):
    trained = train({"builtin": "iris"}, "logistic_regression", {"C": 1.0}, ["accuracy"],
                    features={"exclude": [IRIS[1]]})
    built = package(trained, tmp_path / "v1")
    trained.data.X_test.to_csv(tmp_path / "in.csv", index=False)

    assert [c["name"] for c in built.manifest["input_schema"]] == [IRIS[0], *IRIS[2:]]
    assert built.manifest["dataset"]["n_features"] == 3
    done = run_predict(built.directory, str(tmp_path / "in.csv"))
    assert done.returncode == 0, done.stderr


def test_mlp_package_holds_weights_network_and_preprocessing(tmp_path):
    params = {"n_layers": 2, "units": 6, "epochs": 3, "batch_size": 32, "activation": "tanh"}
    trained = train({"builtin": "iris"}, "mlp", params, ["accuracy"])

    built = package(trained, tmp_path / "v1")

    artifact = built.manifest["artifact"]
    assert artifact["format"] == "torch-mlp"
    assert artifact["network"] == {"n_inputs": 4, "n_outputs": 3, "n_layers": 2, "units": 6,
                                   "activation": "tanh", "dropout": 0.0, "classes": [0, 1, 2]}
    assert artifact["weights"]["sha256"] == _sha256(built.directory / "weights.pt")
    assert "torch" in built.manifest["versions"]
    assert "torch==" in (built.directory / "requirements.txt").read_text()


def test_zip_holds_the_same_files(iris_forest, tmp_path):
    trained, _ = iris_forest

    built = package(trained, tmp_path / "v1", zip=True)

    assert built.zip_path == tmp_path / "v1.zip"
    with zipfile.ZipFile(built.zip_path) as archive:
        names = set(archive.namelist())
        assert json.loads(archive.read("model.json")) == built.manifest
    assert names == {p.name for p in built.directory.iterdir()}
    assert {"model.json", "predict.py", "requirements.txt", "pipeline.skops"} <= names


def test_a_package_never_overwrites_an_earlier_one(iris_forest):
    trained, built = iris_forest
    before = (built.directory / "model.json").read_text()

    with pytest.raises(PackageError, match="already holds files"):
        package(trained, built.directory)

    assert (built.directory / "model.json").read_text() == before
