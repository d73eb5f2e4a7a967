"""`optunagui run|status|stop|best|train-best` as a person types them, on tiny budgets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml

from optunagui import store
from optunagui.cli import main
from optunagui.store import Database

pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[2]
SPEC = {
    "name": "iris from the command line",
    "dataset": {"builtin": "iris"},
    "model": "logistic_regression",
    "metrics": [{"name": "accuracy"}],
    "split": {"method": "stratified_kfold", "folds": 2},
    "sampler": {"name": "random", "seed": 0},
    "budget": {"n_trials": 2, "max_concurrent": 1},
}


def _spec_file(tmp_path: Path, **overrides) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **overrides}))
    return path


def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optunagui", *args], cwd=ROOT,
                          env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
                          capture_output=True, text=True, timeout=timeout)


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def _run_row(settings, run_id: int):
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            run = store.get_run(session, run_id)
            counts = store.count_trials_by_state(session, run_id)
            return run.status, run.driver_pid, counts
    finally:
        database.dispose()


def _wait_finished(settings, run_id: int, n: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        status, _, counts = _run_row(settings, run_id)
        if counts["complete"] + counts["pruned"] + counts["failed"] >= n:
            return
        assert status in ("queued", "running"), status
        assert time.monotonic() < deadline, "no trial finished in time"
        time.sleep(0.3)


def test_cli_run_json_then_status_best_and_train_best(tmp_settings, tmp_path):
    spec = _spec_file(tmp_path, budget={"n_trials": 5, "max_concurrent": 2})

    done = _cli("run", str(spec), "--n-trials", "3", "--pruner", "none", "--study-name",
                "cli-study", "--max-concurrent", "1", "--json")

    assert done.returncode == 0, done.stderr
    summary = _last_json(done.stdout)
    assert set(summary) == {"run_id", "study_name", "best_value", "best_params", "n_complete",
                            "n_pruned", "n_failed", "status"}
    assert (summary["status"], summary["study_name"], summary["n_complete"]) == (
        "completed", "cli-study", 3)
    study = optuna.load_study(study_name="cli-study",
                              storage=Database(tmp_settings.database_url).optuna_storage())
    assert len(study.trials) == 3 and summary["best_value"] == pytest.approx(study.best_value)
    assert summary["best_params"]["C"] == pytest.approx(study.best_params["C"])
    run_id = summary["run_id"]
    written = json.loads((tmp_settings.runs_dir / str(run_id) / "best_params.json").read_text())
    assert written["params"] == summary["best_params"]

    deadline = time.monotonic() + 30  # the driver prints its last line after the status
    while f"run {run_id}: completed" not in (logs := _cli("logs", str(run_id))).stdout:
        assert logs.returncode == 0 and time.monotonic() < deadline, logs.stdout[-2000:]
        time.sleep(0.5)
    status = _cli("status", str(run_id), "--json")
    assert status.returncode == 0 and _last_json(status.stdout)["n_complete"] == 3
    best = _cli("best", str(run_id))
    assert best.returncode == 0 and f"best value: {summary['best_value']}" in best.stdout

    trained = _cli("train-best", str(run_id), "--json")

    assert trained.returncode == 0, trained.stderr
    result = _last_json(trained.stdout)
    assert result["test_metric"] == "accuracy" and 0.5 < result["test_score"] <= 1.0
    assert result["n_test_rows"] == 30 and result["params"] == summary["best_params"]
    model = Path(result["model_path"])
    assert model.is_file() and model.suffix == f".{result['model_format']}"
    if result["model_format"] == "skops":
        import skops.io

        pipeline = skops.io.load(model, trusted=skops.io.get_untrusted_types(file=model))
        assert hasattr(pipeline, "predict")


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["run", "{tmp}/missing.yaml"], 1, "missing.yaml' does not exist"),
        (["run", "{tmp}/bad.yaml"], 1, "model: name a built-in model, or objective.function"),
        (["run", "{tmp}/spec.yaml", "--sampler", "bogus"], 1, "sampler.name: unknown sampler"),
        (["run", "{tmp}/spec.yaml", "--n-trials", "0"], 1, "budget.n_trials"),
        (["run"], 2, "give a spec file to run, or --resume RUN_ID"),
        (["run", "--resume", "404"], 1, "run 404 does not exist"),
        (["run", "--resume", "404", "--n-trials", "3"], 2, "--n-trials cannot change"),
        (["status", "404"], 1, "run 404 does not exist"),
        (["stop", "404"], 1, "run 404 does not exist"),
        (["logs", "404"], 1, "run 404 does not exist"),
        (["best", "404"], 1, "run 404 does not exist"),
        (["train-best", "404"], 1, "run 404 does not exist"),
    ],
)
def test_cli_bad_input_is_a_clear_message_without_traceback(
    tmp_settings, tmp_path, capsys, argv, code, message
):
    _spec_file(tmp_path)
    (tmp_path / "bad.yaml").write_text("name: no model\ndataset: {builtin: iris}\n")
    Database(tmp_settings.database_url).upgrade()

    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == code

    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_best_and_train_best_of_a_run_without_complete_trials(tmp_settings, capsys):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    with database.session() as session:
        user = store.create_user(session, "ada", "!")
        experiment = store.create_experiment(session, "e", user.id)
        run_id = store.create_run(session, experiment.id, "queued", SPEC).id
    database.dispose()

    assert main(["best", str(run_id)]) == 1
    assert f"run {run_id} has no complete trial yet (queued)" in capsys.readouterr().err
    assert main(["train-best", str(run_id)]) == 1
    assert "has no complete trial to train" in capsys.readouterr().err
    assert main(["status", str(run_id), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["status"], status["n_complete"], status["best_params"]) == ("queued", 0, None)


def _wait_for_end(settings, run_id: int, timeout_s: float = 120) -> str:
    deadline = time.monotonic() + timeout_s
    while True:
        status, pid, _ = _run_row(settings, run_id)
        if status not in ("queued", "running"):
            from cluster.launch.local_driver import is_driver_process

            while is_driver_process(pid, run_id) and time.monotonic() < deadline:
                time.sleep(0.3)
            return status
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(0.3)


def test_cli_stop_ends_a_detached_run_keeping_finished_trials(tmp_settings, tmp_path):
    spec = _spec_file(tmp_path, budget={"n_trials": 300, "max_concurrent": 1})
    started = _cli("run", str(spec), "--detach")
    assert started.returncode == 0, started.stderr
    _wait_finished(tmp_settings, 1, 1)

    stopped = _cli("stop", "1", "--timeout", "60")

    assert stopped.returncode == 0, stopped.stderr
    assert "stop confirmed by the driver" in stopped.stdout
    assert _wait_for_end(tmp_settings, 1) == "stopped"
    _, _, counts = _run_row(tmp_settings, 1)
    assert 1 <= counts["complete"] < 300 and counts["running"] == 0


def test_cli_resume_after_the_driver_was_killed(tmp_settings, tmp_path):
    spec = _spec_file(tmp_path, budget={"n_trials": 12, "max_concurrent": 1})
    started = _cli("run", str(spec), "--detach")
    assert started.returncode == 0, started.stderr
    _wait_finished(tmp_settings, 1, 2)
    _, pid, before = _run_row(tmp_settings, 1)
    # The driver leads a process group of its own: kill it together with the Ray it started.
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    from cluster.launch.local_driver import is_driver_process

    while is_driver_process(pid, 1):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    status = _cli("status", "1")
    assert "`optunagui run --resume 1` continues the run" in status.stdout

    resumed = _cli("run", "--resume", "1", "--json")

    assert resumed.returncode == 0, resumed.stderr
    summary = _last_json(resumed.stdout)
    assert summary["status"] == "completed" and summary["n_complete"] == 12
    assert summary["n_complete"] >= before["complete"]
    study = optuna.load_study(study_name=summary["study_name"],
                              storage=Database(tmp_settings.database_url).optuna_storage())
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 12
    assert optuna.trial.TrialState.RUNNING not in states
