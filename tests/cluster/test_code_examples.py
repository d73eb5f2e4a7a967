"""The examples in ``examples/`` run as written: under plain Optuna and under the product."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.store import Database
from tests.cluster._code import code_spec, make_code_run

pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env={**os.environ, "PYTHONPATH": ""})


def test_mlp_example_runs_under_plain_optuna(tmp_path):
    result = _python(str(EXAMPLES / "mlp_objective.py"), "--n-trials", "2", "--epochs", "2",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "best validation accuracy" in result.stdout


def test_size_tradeoff_example_runs_under_plain_optuna(tmp_path):
    result = _python(str(EXAMPLES / "mlp_size_tradeoff.py"), "--n-trials", "2", "--epochs", "1",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "weights" in result.stdout


def test_cnn_example_loads_its_data_once_and_runs_under_the_product(
        ray_local, tmp_settings, sqlite_db, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "cnn_digits_objective.py").write_text(
        (EXAMPLES / "cnn_digits_objective.py").read_text().replace(
            "EPOCHS = 30", "EPOCHS = 2", 1))
    spec = code_spec(folder, objective={"function": "cnn_digits_objective.py:objective",
                                        "setup": "cnn_digits_objective.py:load_data"},
                     metrics=[{"name": "macro_f1", "direction": "maximize"}],
                     budget={"n_trials": 2, "max_concurrent": 1})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    with sqlite_db.session() as session:
        trials = store.list_trials(session, run_id)
    assert [t.state for t in trials] == ["complete", "complete"]
    assert {"architecture", "optimizer", "lr", "batch_size"} <= set(trials[0].params)
    for trial in trials:
        if trial.params["optimizer"] == "adam":
            assert "weight_decay" not in trial.params and "momentum" not in trial.params
        assert 0 < trial.values[0] <= 1


def test_size_tradeoff_from_the_command_line_writes_the_run_files(ray_local, tmp_settings):
    result = subprocess.run(
        [sys.executable, "-m", "optunagui", "run", "examples/mlp_size_tradeoff.py:objective",
         "--directions", "maximize", "minimize", "--metrics", "accuracy", "n_params",
         "--n-trials", "3", "--sampler", "nsga2", "--seed", "0", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"})
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["status"] == "completed"
    database = Database(tmp_settings.database_url)
    try:
        with database.session() as session:
            run = store.get_run(session, summary["run_id"])
            trials = store.list_trials(session, run.id)
            spec = run.spec
    finally:
        database.dispose()
    assert spec["objective"]["function"] == "mlp_size_tradeoff.py:objective"
    assert spec["objective"]["code"]  # the packaged examples folder, by its hash
    assert all(len(t.values) == 2 and t.values[1] >= 64 for t in trials)
    folder = tmp_settings.runs_dir / str(run.id)
    names = {p.name for p in folder.iterdir()}
    assert {"best_params.json", "optimization_history.html",
            "parallel_coordinate.html"} <= names
    best = json.loads((folder / "best_params.json").read_text())
    assert best["objective"] == "mlp_size_tradeoff.py:objective"
    assert set(best["metrics"]) == {"accuracy", "n_params"}
