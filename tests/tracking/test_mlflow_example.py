"""``examples/mlflow_parent_child.py`` on a tiny budget: the product runs its objective on the
session's Ray and the parent with its children reads back from MLflow."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from cluster.driver.main import run_driver
from optunagui import store
from tests.cluster._code import code_spec, make_code_run

pytestmark = pytest.mark.ray

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location("mlflow_parent_child_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def test_mlflow_example_parent_and_children_match_the_run(
        ray_local, tmp_settings, sqlite_db, tmp_path, mlflow_up):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "mlp_objective.py").write_text((EXAMPLES / "mlp_objective.py").read_text())
    source = (EXAMPLES / "mlflow_parent_child.py").read_text()
    assert "EPOCHS = 8" in source
    (folder / "mlflow_parent_child.py").write_text(source.replace("EPOCHS = 8", "EPOCHS = 2", 1))
    spec = code_spec(folder, objective={"function": "mlflow_parent_child.py:objective"},
                     metrics=[{"name": "accuracy", "direction": "maximize"}],
                     budget={"n_trials": 3, "max_concurrent": 1},
                     tracking={"mlflow": {"tracking_uri": mlflow_up.uri,
                                          "experiment_name": "example-digits"}})
    run_id = make_code_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings) == "completed"

    with sqlite_db.session() as session:
        trials = {t.number: t for t in store.list_trials(session, run_id)}
        run = store.get_run(session, run_id)
    summary = _load(folder / "mlflow_parent_child.py").describe(mlflow_up.uri, "example-digits")
    assert summary["run_page"].endswith(f"/runs/{run_id}")
    assert summary["best_trial"] == str(run.best_trial_number)
    assert summary["best_accuracy"] == pytest.approx(run.best_value)
    assert [c["trial"] for c in summary["children"]] == sorted(trials) == [0, 1, 2]
    for child in summary["children"]:
        trial = trials[child["trial"]]
        assert child["state"] == "complete" and child["epochs"] == 2
        assert child["accuracy"] == pytest.approx(trial.values[0])
        assert set(child["params"]) == {"lr", "hidden", "n_layers", "dropout"}
        assert float(child["params"]["lr"]) == pytest.approx(trial.params["lr"])
