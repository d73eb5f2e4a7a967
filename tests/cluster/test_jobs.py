"""Runs submitted as Ray Jobs to a real local head, and the detached local driver.

The head (`ray_head`) is started for this module only, with `ray start --head --block` in a
process session of its own, on free ports (never 6379, where Redis lives), its own
--temp-dir and token authentication with a token of its own. It is stopped without
`ray stop`, which would kill every Ray on the machine, the shared session Ray of the other
tests and other people's runs included: SIGTERM to the blocking `ray start` makes it shut
down the processes it started; anything left (a job's driver in a session of its own) is
found by a marker variable in its environment, which every process of this head inherits,
and killed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import optuna
import pytest
import requests
from ray.job_submission import JobStatus

from cluster.launch.jobs import build_job_client
from cluster.launch.submit import SubmitError, fetch_logs, is_driver_alive, stop_run, submit_run
from optunagui.store import Database
from optunagui.store.experiments import create_experiment
from optunagui.store.runs import create_run, get_run
from optunagui.store.trials import list_trials
from optunagui.store.users import create_user
from tests.cluster._code import code_spec, make_code_run, write_code

pytestmark = [pytest.mark.ray, pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent
MARKER_VAR = "OPTUNAGUI_TEST_RAY_HEAD"
REDIS_PORT = 6379


@dataclass(frozen=True)
class Head:
    url: str
    token_path: Path
    temp_dir: Path

    def environ(self) -> dict[str, str]:
        """What a submitter needs: the address and the token (no token mode in-process)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        return {**env, "RAY_ADDRESS": self.url, "RAY_AUTH_TOKEN_PATH": str(self.token_path)}


_HANDED_OUT: set[int] = set()


def _free_port() -> int:
    """A free port, never Redis's and never one this module handed out already.

    The OS may give the same ephemeral port to two binds in a row once the first socket is
    closed; Ray refuses to start when two of its components are given the same port.
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != REDIS_PORT and port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _marked_pids(marker: str) -> list[int]:
    needle = f"{MARKER_VAR}={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.fixture(scope="module")
def ray_head() -> Iterator[Head]:
    temp_dir = Path(tempfile.mkdtemp(prefix="ogray", dir="/tmp"))  # short: socket paths
    token_path = temp_dir / "auth_token"
    token_path.write_text(secrets.token_hex(32))
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(
        {
            MARKER_VAR: marker,
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(token_path),
        }
    )
    dashboard_port = _free_port()
    ports = {
        "--port": _free_port(),
        "--dashboard-port": dashboard_port,
        "--ray-client-server-port": _free_port(),
        "--dashboard-agent-listen-port": _free_port(),
        "--dashboard-agent-grpc-port": _free_port(),
        "--metrics-export-port": _free_port(),
        "--runtime-env-agent-port": _free_port(),
        "--node-manager-port": _free_port(),
        "--object-manager-port": _free_port(),
    }
    command = [
        str(VENV_BIN / "ray"), "start", "--head", "--block",
        "--num-cpus=2", "--num-gpus=0", "--include-dashboard=true",
        "--dashboard-host=127.0.0.1", "--node-ip-address=127.0.0.1",
        f"--temp-dir={temp_dir / 'ray'}", "--disable-usage-stats",
        "--min-worker-port=0", "--max-worker-port=0",  # OS-chosen: no clash with other Rays
        *(f"{flag}={port}" for flag, port in ports.items()),
    ]  # fmt: skip
    log = (temp_dir / "head.log").open("w")
    head = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{dashboard_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                # 401: the job server is up and wants the token.
                if requests.get(f"{url}/api/version", timeout=2).status_code == 401:
                    break
            except requests.ConnectionError:
                pass
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start:\n{(temp_dir / 'head.log').read_text()}")
            time.sleep(0.5)
        yield Head(url=url, token_path=token_path, temp_dir=temp_dir)
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        for pid in _marked_pids(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


SPEC = {
    "name": "iris-logreg",
    "dataset": {"builtin": "iris"},
    "task": "classification",
    "model": "logistic_regression",
    "split": {"method": "stratified_kfold", "folds": 2, "seed": 0},
    "metrics": [{"name": "accuracy", "direction": "maximize"}],
    "sampler": {"name": "random", "seed": 0},
    "pruner": {"name": "none"},
    "budget": {"n_trials": 3, "max_concurrent": 1},
    "resources": {"cpu": 1, "gpu": 0},
}


@pytest.fixture
def cluster_settings(tmp_settings, ray_head):
    """Settings pointing at the test head; the SQLite file is on this machine, like the head."""
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield replace(tmp_settings, ray_address=ray_head.url), database
    database.dispose()


def _new_run(database: Database, spec: dict) -> int:
    with database.session() as session:
        user = create_user(session, f"ada-{uuid.uuid4().hex[:6]}", "x" * 20)
        experiment = create_experiment(session, "iris", user.id)
        return create_run(session, experiment.id, "on the cluster", spec).id


def _wait_for_job(client, job_id: str, timeout_s: float) -> JobStatus:
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get_job_status(job_id)
        if status.is_terminal() or time.monotonic() > deadline:
            return status
        time.sleep(0.5)


def test_job_server_refuses_a_submitter_without_the_token(cluster_settings, ray_head):
    settings, database = cluster_settings
    run_id = _new_run(database, SPEC)
    environ = {k: v for k, v in ray_head.environ().items() if k != "RAY_AUTH_TOKEN_PATH"}

    with pytest.raises(SubmitError, match="refused the request.*RAY_AUTH_TOKEN"):
        submit_run(run_id, settings, db=database, environ=environ)


def test_job_on_the_head_imports_the_project_and_reaches_the_database(
    cluster_settings, ray_head, monkeypatch
):
    # The transport under submit_run: the head finds the project, and the runtime env
    # carries the database and data directory to the job.
    settings, database = cluster_settings
    run_id = _new_run(database, SPEC)
    monkeypatch.setenv("RAY_ADDRESS", ray_head.url)
    client = build_job_client(ray_head.url, ray_head.environ())
    script = (
        "import cluster, optunagui.config as c; from optunagui.store import Database; "
        "from optunagui.store.runs import update_run_status as u; s = c.load_settings(); "
        "db = Database(s.database_url); "
        f"ctx = db.session(); session = ctx.__enter__(); u(session, {run_id}, 'failed', "
        "reason='written by a job from ' + str(s.data_dir)); ctx.__exit__(None, None, None)"
    )
    job_id = client.submit_job(
        entrypoint=f"python -c {script!r}",
        runtime_env={
            "env_vars": {
                "OPTUNAGUI_DATABASE_URL": settings.database_url,
                "OPTUNAGUI_DATA_DIR": str(settings.data_dir),
            }
        },
    )

    assert _wait_for_job(client, job_id, 120) == JobStatus.SUCCEEDED, client.get_job_logs(job_id)
    with database.session() as session:
        run = get_run(session, run_id)
    assert run.status == "failed"
    assert run.status_reason == f"written by a job from {settings.data_dir}"


def _wait_for_run(database: Database, run_id: int, statuses: set[str], timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while True:
        with database.session() as session:
            run = get_run(session, run_id)
        if run.status in statuses or time.monotonic() > deadline:
            return run
        time.sleep(0.5)


def _n_finished(database: Database, run_id: int) -> int:
    with database.session() as session:
        return sum(t.state != "running" for t in list_trials(session, run_id))


def test_submit_run_as_ray_job_runs_the_driver_to_the_end(tmp_settings, db, database_url, ray_head):
    # On SQLite (a file the local head can open) and on PostgreSQL, what a real cluster uses.
    settings = replace(tmp_settings, database_url=database_url, ray_address=ray_head.url)
    database = db
    run_id = _new_run(database, SPEC)
    environ = ray_head.environ()

    launch = submit_run(run_id, settings, db=database, environ=environ)

    assert launch.mode == "ray_job"
    assert launch.ray_job_id.startswith(f"optunagui-run-{run_id}-")
    client = build_job_client(ray_head.url, environ)
    status = _wait_for_job(client, launch.ray_job_id, 240)
    logs = fetch_logs(run_id, settings, db=database, environ=environ)
    assert status == JobStatus.SUCCEEDED, logs
    assert f"run {run_id}: completed" in logs
    with database.session() as session:
        run = get_run(session, run_id)
        trials = list_trials(session, run_id)
    assert run.status == "completed"
    assert run.ray_job_id == launch.ray_job_id
    assert [t.state for t in trials] == ["complete"] * 3
    study = optuna.load_study(study_name=run.study_name, storage=database.optuna_storage())
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 3


def test_stop_run_is_confirmed_by_the_driver_of_a_ray_job(cluster_settings, ray_head):
    settings, database = cluster_settings
    spec = {**SPEC, "budget": {"n_trials": 500, "max_concurrent": 1}}
    run_id = _new_run(database, spec)
    environ = ray_head.environ()
    launch = submit_run(run_id, settings, db=database, environ=environ)
    client = build_job_client(ray_head.url, environ)
    deadline = time.monotonic() + 180
    while _n_finished(database, run_id) < 1:
        logs = fetch_logs(run_id, settings, db=database, environ=environ)
        assert time.monotonic() < deadline, logs
        assert not client.get_job_status(launch.ray_job_id).is_terminal()
        time.sleep(0.5)

    outcome = stop_run(run_id, settings, timeout_s=60, db=database, environ=environ)

    assert outcome.acknowledged and not outcome.forced
    assert _wait_for_job(client, launch.ray_job_id, 120) == JobStatus.SUCCEEDED
    run = _wait_for_run(database, run_id, {"stopped"}, 10)
    assert (run.status, run.status_reason) == ("stopped", "stopped on request")
    assert _n_finished(database, run_id) < 500


@pytest.mark.parametrize("wait", [True, False], ids=["waiting", "in_background"])
def test_stop_run_stops_the_job_when_the_driver_does_not_confirm(
    cluster_settings, ray_head, wait
):
    # Asked right after submission, the driver is still importing and cannot confirm
    # within 0.2 s: the job itself is stopped and the run marked stopped with the reason.
    settings, database = cluster_settings
    spec = {**SPEC, "budget": {"n_trials": 500, "max_concurrent": 1}}
    run_id = _new_run(database, spec)
    environ = ray_head.environ()
    launch = submit_run(run_id, settings, db=database, environ=environ)

    outcome = stop_run(run_id, settings, timeout_s=0.2, wait=wait, db=database, environ=environ)

    assert not outcome.acknowledged
    assert outcome.forced is wait
    client = build_job_client(ray_head.url, environ)
    assert _wait_for_job(client, launch.ray_job_id, 60) == JobStatus.STOPPED
    run = _wait_for_run(database, run_id, {"stopped"}, 30)
    assert run.status == "stopped"
    assert run.status_reason == "the driver did not confirm the stop within 0.2 s; job stopped"


def test_submit_run_local_driver_outlives_the_submitting_process(tmp_settings):
    settings = tmp_settings
    database = Database(settings.database_url)
    database.upgrade()
    run_id = _new_run(database, SPEC)
    submitter = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from cluster.launch.submit import submit_run; "
            "from optunagui.config import load_settings; "
            f"launch = submit_run({run_id}, load_settings()); "
            "print(launch.driver_pid, os.getpid())",
        ],
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    driver_pid, submitter_pid = map(int, submitter.stdout.split())
    try:
        with database.session() as session:
            run = get_run(session, run_id)
        # The submitter has exited; the driver lives on in a session of its own.
        assert run.driver_pid == driver_pid
        assert is_driver_alive(run)
        assert os.getsid(driver_pid) == driver_pid != submitter_pid

        run = _wait_for_run(database, run_id, {"completed", "failed", "stopped"}, 240)
        log = fetch_logs(run_id, settings, db=database)
        assert run.status == "completed", log
        assert f"run {run_id}: completed" in log
        assert _n_finished(database, run_id) == 3
        deadline = time.monotonic() + 60
        while is_driver_alive(run) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not is_driver_alive(run)
    finally:
        try:
            os.kill(driver_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        database.dispose()


def test_stop_run_local_driver_confirms_and_keeps_finished_trials(tmp_settings):
    settings = tmp_settings
    database = Database(settings.database_url)
    database.upgrade()
    run_id = _new_run(database, {**SPEC, "budget": {"n_trials": 500, "max_concurrent": 1}})
    launch = submit_run(run_id, settings, db=database)
    try:
        deadline = time.monotonic() + 180
        while _n_finished(database, run_id) < 1:
            assert time.monotonic() < deadline, fetch_logs(run_id, settings, db=database)
            time.sleep(0.5)

        outcome = stop_run(run_id, settings, timeout_s=60, db=database)

        assert outcome.acknowledged and not outcome.forced
        run = _wait_for_run(database, run_id, {"stopped", "completed", "failed"}, 120)
        assert (run.status, run.status_reason) == ("stopped", "stopped on request")
        assert 1 <= _n_finished(database, run_id) < 500
    finally:
        try:
            os.kill(launch.driver_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        database.dispose()


def test_code_run_as_ray_job_runs_the_stored_code_without_its_folder(cluster_settings, ray_head,
                                                                      tmp_path):
    settings, database = cluster_settings
    folder = write_code(tmp_path / "user", """
        def objective(trial):
            return trial.suggest_float("x", 0.0, 1.0) ** 2
    """)
    run_id = make_code_run(database, code_spec(folder, budget={"n_trials": 2}))
    shutil.rmtree(folder)  # the job runs the code version stored at launch, not the folder
    environ = ray_head.environ()
    launch = submit_run(run_id, settings, db=database, environ=environ)
    status = _wait_for_job(build_job_client(ray_head.url, environ), launch.ray_job_id, 240)
    logs = fetch_logs(run_id, settings, db=database, environ=environ)
    assert status == JobStatus.SUCCEEDED, logs
    with database.session() as session:
        assert get_run(session, run_id).status == "completed"
        trials = list_trials(session, run_id)
    assert [t.state for t in trials] == ["complete", "complete"]
    assert all(0 <= t.values[0] <= 1 for t in trials)
