"""Train a tiny pipeline on a bundled dataset, package it, and run its predict.py elsewhere."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optunagui.objective import PreparedData, fit_best, load_run_dataset, prepare_data
from optunagui.packaging import BuiltPackage, PackageSource, build_package
from optunagui.spec import ExperimentSpec

# predict.py runs in a fresh interpreter in which importing optunagui fails, so a package
# that still needed it could not pass.
_WITHOUT_OPTUNAGUI = (
    "import runpy, sys; sys.modules['optunagui'] = None; sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


@dataclass
class Trained:
    spec: ExperimentSpec
    data: PreparedData
    pipeline: Any
    scores: dict[str, float]
    params: dict[str, Any]

    def expected(self, frame: pd.DataFrame) -> np.ndarray:
        """The in-process pipeline's predictions, as labels for classification."""
        predicted = np.asarray(self.pipeline.predict(frame))
        if self.data.task == "classification":
            return np.asarray(self.data.classes)[predicted.astype(int)]
        return predicted.astype(float)


def train(dataset: dict[str, Any], model: str, params: dict[str, Any], metrics: list[str],
          **spec_fields: Any) -> Trained:
    task = "regression" if metrics[0] in ("rmse", "mae", "r2") else "classification"
    spec = ExperimentSpec.model_validate({
        "name": f"{model} package", "dataset": dataset, "model": model, "task": task,
        "metrics": [{"name": name} for name in metrics],
        "split": {"method": "kfold", "folds": 2}, "budget": {"n_trials": 2}, **spec_fields,
    })
    data = prepare_data(spec, load_run_dataset(spec))
    pipeline, scores = fit_best(spec, params, data)
    return Trained(spec, data, pipeline, scores, params)


def package(trained: Trained, out_dir: Path, **kwargs: Any) -> BuiltPackage:
    source = PackageSource(run_id=7, run_name="tuning", trial_number=3, params=trained.params,
                           validation_metrics={trained.spec.metrics[0].name: 0.5}, version=1)
    return build_package(source, trained.spec, trained.pipeline, trained.data, trained.scores,
                         out_dir, **kwargs)


def run_predict(package_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_OPTUNAGUI, "predict.py", *args],
        cwd=package_dir, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def iris_forest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trained, BuiltPackage]:
    trained = train({"builtin": "iris"}, "random_forest",
                    {"n_estimators": 15, "max_depth": 3}, ["accuracy", "log_loss"])
    return trained, package(trained, tmp_path_factory.mktemp("iris") / "v1")
