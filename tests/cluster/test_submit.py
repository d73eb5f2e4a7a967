"""Run submission without a cluster: auth token lookup, guards, stop and logs of a local run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

import psutil
import pytest

from cluster.launch.jobs import auth_headers, is_local_address, load_auth_token
from cluster.launch.submit import (
    SubmitError,
    driver_log_path,
    fetch_logs,
    is_driver_alive,
    stop_run,
    submit_run,
)
from optunagui.store import Database
from optunagui.store.experiments import create_experiment
from optunagui.store.runs import create_run, get_run, set_run_process
from optunagui.store.users import create_user

SPEC = {
    "name": "iris-logreg",
    "dataset": {"builtin": "iris"},
    "model": "logistic_regression",
    "budget": {"n_trials": 3, "max_concurrent": 1},
}


@pytest.fixture
def settings_db(tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield tmp_settings, database
    database.dispose()


def _new_run(database: Database) -> int:
    with database.session() as session:
        user = create_user(session, "ada", "x" * 20)
        experiment = create_experiment(session, "iris", user.id)
        return create_run(session, experiment.id, "first", SPEC).id


def test_load_auth_token_prefers_token_then_path_then_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ray").mkdir()
    (tmp_path / ".ray" / "auth_token").write_text("from-default\n")
    token_file = tmp_path / "token"
    token_file.write_text("from-path\n")

    assert load_auth_token({"RAY_AUTH_TOKEN": "direct", "RAY_AUTH_TOKEN_PATH": str(token_file)})
    assert load_auth_token({"RAY_AUTH_TOKEN_PATH": str(token_file)}) == "from-path"
    assert load_auth_token({"RAY_AUTH_MODE": "token"}) == "from-default"
    # Like Ray's CLI, the default file is only used when token mode is asked for.
    assert load_auth_token({}) is None
    assert auth_headers({"RAY_AUTH_TOKEN": "direct"}) == {"Authorization": "Bearer direct"}


def test_load_auth_token_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SubmitError, match="RAY_AUTH_TOKEN_PATH=.*cannot be read"):
        load_auth_token({"RAY_AUTH_TOKEN_PATH": str(tmp_path / "nope")})


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("http://127.0.0.1:8265", True),
        ("localhost:6380", True),
        ("auto", True),
        ("http://ray-head.internal:8265", False),
        ("10.1.2.3:6380", False),
    ],
)
def test_is_local_address(address, local):
    assert is_local_address(address) is local


def test_submit_run_refuses_sqlite_with_a_remote_cluster(settings_db):
    settings, database = settings_db
    run_id = _new_run(database)
    remote = replace(settings, ray_address="http://ray-head.internal:8265")

    with pytest.raises(SubmitError, match="SQLite file .* PostgreSQL"):
        submit_run(run_id, remote, db=database)
    with database.session() as session:
        assert get_run(session, run_id).ray_job_id is None


def test_submit_run_unknown_run_is_an_error(settings_db):
    settings, database = settings_db

    with pytest.raises(SubmitError, match="run 999 does not exist"):
        submit_run(999, settings, db=database)


def test_is_driver_alive_only_for_this_runs_driver(settings_db):
    settings, database = settings_db
    run_id = _new_run(database)
    lookalike = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)", "-m", "cluster.driver", "1"]
    )
    try:
        with database.session() as session:
            run = set_run_process(session, run_id, driver_pid=os.getpid())
        assert not is_driver_alive(run)  # a live pid, but not a driver
        with database.session() as session:
            run = set_run_process(session, run_id, driver_pid=lookalike.pid)
        assert not is_driver_alive(run)  # "-m cluster.driver" is an argument here, not the module
    finally:
        lookalike.kill()
        lookalike.wait()


def test_stop_run_without_a_driver_marks_the_run_stopped(settings_db):
    settings, database = settings_db
    run_id = _new_run(database)

    outcome = stop_run(run_id, settings, db=database)

    assert outcome.status == "stopped"
    assert outcome.request_id is None
    with database.session() as session:
        run = get_run(session, run_id)
        assert run.status == "stopped"
        assert run.status_reason == "stopped while no driver was running"


def test_fetch_logs_reads_the_local_driver_log(settings_db):
    settings, database = settings_db
    run_id = _new_run(database)
    assert fetch_logs(run_id, settings, db=database) == ""
    log = driver_log_path(settings, run_id)
    log.parent.mkdir(parents=True)
    log.write_text("line one\nline two\n")

    assert fetch_logs(run_id, settings, db=database) == "line one\nline two\n"
    assert fetch_logs(run_id, settings, db=database, max_chars=9) == "line two\n"


def test_kill_group_takes_the_drivers_children_with_it():
    from cluster.launch.local_driver import _kill_group

    leader = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         "child = subprocess.Popen(['sleep', '60'])\n"
         "print(child.pid, flush=True)\n"
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    child_pid = int(leader.stdout.readline())
    try:
        _kill_group(leader.pid)
        leader.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child_pid):
            assert time.monotonic() < deadline, "the child outlived its group's kill"
            time.sleep(0.1)
    finally:
        for pid in (leader.pid, child_pid):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _exiting_driver(tmp_path, run_id: int, lives_s: float) -> subprocess.Popen:
    """A process whose command line is a driver's (``python -m cluster.driver RUN_ID``): a
    stand-in module that only waits, as a pausing driver does while it saves Tune's state."""
    package = tmp_path / "standin" / "cluster"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "driver.py").write_text(f"import time\ntime.sleep({lives_s})\n")
    return subprocess.Popen([sys.executable, "-m", "cluster.driver", str(run_id)],
                            cwd=package.parent)


def _paused_run_with_driver(database: Database, pid: int) -> int:
    from optunagui.store.runs import update_run_status

    run_id = _new_run(database)
    with database.session() as session:
        set_run_process(session, run_id, driver_pid=pid)
        update_run_status(session, run_id, "running")
        update_run_status(session, run_id, "paused")
    return run_id


def test_resume_waits_for_a_pausing_driver_to_exit(settings_db, tmp_path):
    settings, database = settings_db
    driver = _exiting_driver(tmp_path, 1, lives_s=1.5)
    try:
        run_id = _paused_run_with_driver(database, driver.pid)
        assert run_id == 1 and is_driver_alive(get_run_in(database, run_id))
        # Past the driver check, the SQLite-with-a-remote-cluster refusal shows it went on.
        remote = replace(settings, ray_address="http://ray-head.internal:8265")
        with pytest.raises(SubmitError, match="SQLite file"):
            submit_run(run_id, remote, resume=True, db=database)
        assert driver.poll() is not None
    finally:
        driver.kill()
        driver.wait()


def test_resume_refuses_a_paused_run_whose_driver_does_not_exit(settings_db, tmp_path,
                                                                monkeypatch):
    settings, database = settings_db
    monkeypatch.setattr("cluster.launch.submit.PAUSED_EXIT_WAIT_S", 0.5)
    driver = _exiting_driver(tmp_path, 1, lives_s=30)
    try:
        run_id = _paused_run_with_driver(database, driver.pid)
        with pytest.raises(SubmitError, match="already has a driver"):
            submit_run(run_id, settings, resume=True, db=database)
    finally:
        driver.kill()
        driver.wait()


def get_run_in(database: Database, run_id: int):
    with database.session() as session:
        return get_run(session, run_id)
