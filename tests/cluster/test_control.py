"""Control while a run executes: stop, pause then resume, new ranges; a killed driver resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import optuna
import pytest

from cluster.driver.control import apply_ranges
from cluster.driver.main import ORPHAN_MESSAGE, run_driver
from optunagui import store
from optunagui.spec.space import space_from_dict
from optunagui.store import Database
from tests.cluster._runs import make_run, make_spec, steps_objective

pytestmark = pytest.mark.ray


def _finished(db: Database, run_id: int) -> int:
    with db.session() as session:
        counts = store.count_trials_by_state(session, run_id)
    return counts["complete"] + counts["pruned"] + counts["failed"]


def _when(condition: Callable[[], bool], action: Callable[[], None], timeout_s: float = 60):
    """Run `action` in a thread as soon as `condition` holds."""
    errors: list[BaseException] = []

    def wait_then_act() -> None:
        try:
            deadline = time.monotonic() + timeout_s
            while not condition():
                if time.monotonic() > deadline:
                    raise TimeoutError("condition never held")
                time.sleep(0.1)
            action()
        except BaseException as error:  # surfaced by the test
            errors.append(error)

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread, errors


def _request(db: Database, run_id: int, kind: str, payload=None) -> dict:
    with db.session() as session:
        return store.request_control(session, run_id, kind, payload)


def _control_events(db: Database, run_id: int):
    with db.session() as session:
        return [e for e in store.list_events_after(session, run_id, 0, 10_000)
                if e.kind == "control"]


def test_apply_ranges_refuses_new_choices_and_unknown_names():
    space = space_from_dict({"C": {"type": "float", "low": 0.1, "high": 1.0},
                             "k": {"type": "categorical", "choices": ["a", "b"]}})
    updated = apply_ranges(space, {"C": {"low": 0.5, "high": 0.6}})
    assert (updated["C"].low, updated["C"].high) == (0.5, 0.6)
    with pytest.raises(ValueError, match="choices"):
        apply_ranges(space, {"k": {"choices": ["a", "c"]}})
    with pytest.raises(ValueError, match="not a parameter"):
        apply_ranges(space, {"gamma": {"low": 1, "high": 2}})
    with pytest.raises(ValueError, match="low"):
        apply_ranges(space, {"C": {"low": 2.0}})


def test_driver_stop_request_ends_run_keeping_results(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(budget={"n_trials": 40, "max_concurrent": 2})
    run_id, study_name = make_run(sqlite_db, spec)
    thread, errors = _when(lambda: _finished(sqlite_db, run_id) >= 2,
                           lambda: _request(sqlite_db, run_id, "stop"))

    status = run_driver(run_id, tmp_settings, evaluate=steps_objective(4, 0.05),
                        poll_interval_s=0.2)
    thread.join(5)

    assert not errors and status == "stopped"
    trials = optuna.load_study(study_name=study_name,
                               storage=sqlite_db.optuna_storage()).get_trials()
    assert 2 <= len(trials) < 40
    assert [t.number for t in trials if t.state == optuna.trial.TrialState.RUNNING] == []
    assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials) >= 2
    for trial in trials:
        if trial.state == optuna.trial.TrialState.PRUNED:
            assert trial.user_attrs["pruned_by"] == "stop"
    (event,) = _control_events(sqlite_db, run_id)
    assert event.metrics["kind"] == "stop" and event.metrics["status"] == "stopping"
    with sqlite_db.session() as session:
        run = store.get_run(session, run_id)
        assert run.status == "stopped" and run.control_ack_id == event.metrics["request_id"]
        assert {r.state for r in store.list_trials(session, run_id)} <= {"complete", "pruned"}


def test_driver_pause_then_resume_finishes_budget_on_same_study(ray_local, tmp_settings,
                                                               sqlite_db):
    spec = make_spec(budget={"n_trials": 8, "max_concurrent": 2})
    run_id, study_name = make_run(sqlite_db, spec)
    thread, errors = _when(lambda: _finished(sqlite_db, run_id) >= 2,
                           lambda: _request(sqlite_db, run_id, "pause"))
    objective = steps_objective(4, 0.2)

    assert run_driver(run_id, tmp_settings, evaluate=objective, poll_interval_s=0.2) == "paused"
    thread.join(5)
    assert not errors
    storage = sqlite_db.optuna_storage()
    paused_trials = optuna.load_study(study_name=study_name, storage=storage).get_trials()
    assert 2 <= len(paused_trials) < 8
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in paused_trials)
    experiment_dirs = list((tmp_settings.runs_dir / str(run_id) / "tune").iterdir())
    assert len(experiment_dirs) == 1

    assert run_driver(run_id, tmp_settings, evaluate=objective, poll_interval_s=0.2) == (
        "completed")

    trials = optuna.load_study(study_name=study_name, storage=storage).get_trials()
    assert len(trials) == 8
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert [t.number for t in trials[: len(paused_trials)]] == [
        t.number for t in paused_trials]
    # Restored from Tune's saved state, not a second experiment.
    assert list((tmp_settings.runs_dir / str(run_id) / "tune").iterdir()) == experiment_dirs
    with sqlite_db.session() as session:
        assert store.get_run(session, run_id).status == "completed"
        rows = store.list_trials(session, run_id)
        assert [(r.number, r.state) for r in rows] == [(n, "complete") for n in range(8)]


def test_driver_range_change_applies_to_later_trials(ray_local, tmp_settings, sqlite_db):
    # Enough trials that some start after the change even when a loaded machine lets the
    # first ones run ahead of the request.
    spec = make_spec(budget={"n_trials": 20, "max_concurrent": 2},
                     sampler={"name": "random", "seed": 0})
    run_id, study_name = make_run(sqlite_db, spec)
    new_range = {"C": {"type": "float", "low": 5.0, "high": 6.0}}
    thread, errors = _when(lambda: _finished(sqlite_db, run_id) >= 2,
                           lambda: _request(sqlite_db, run_id, "ranges", new_range))

    status = run_driver(run_id, tmp_settings, evaluate=steps_objective(3, 0.05),
                        poll_interval_s=0.2)
    thread.join(5)

    assert not errors and status == "completed"
    (event,) = _control_events(sqlite_db, run_id)
    assert event.metrics["status"] == "applied"
    assert event.metrics["old"]["C"]["low"] == 0.01 and event.metrics["old"]["C"]["log"]
    assert (event.metrics["new"]["C"]["low"], event.metrics["new"]["C"]["high"]) == (5.0, 6.0)
    trials = optuna.load_study(study_name=study_name,
                               storage=sqlite_db.optuna_storage()).get_trials()
    after = [t for t in trials if t.datetime_start > event.created_at.replace(tzinfo=None)]
    assert after and all(5.0 <= t.params["C"] <= 6.0 for t in after)
    with sqlite_db.session() as session:
        current = store.get_run(session, run_id).current_space
    assert current["C"]["low"] == 5.0 and "class_weight" in current


def test_driver_killed_then_resumed_loses_nothing(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(budget={"n_trials": 10, "max_concurrent": 1})
    run_id, study_name = make_run(sqlite_db, spec)
    env = {**os.environ, "RAY_ADDRESS": ray_local.get_runtime_context().gcs_address,
           "OPTUNAGUI_DATA_DIR": str(tmp_settings.data_dir),
           "OPTUNAGUI_DATABASE_URL": tmp_settings.database_url}
    root = Path(__file__).resolve().parents[2]
    log = open(tmp_settings.data_dir / "driver.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "cluster.driver", str(run_id)],
                               cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while _finished(sqlite_db, run_id) < 2:
            assert process.poll() is None, (tmp_settings.data_dir / "driver.log").read_text()
            assert time.monotonic() < deadline, "the driver finished no trial in time"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    storage = sqlite_db.optuna_storage()
    before = {t.number: t for t in optuna.load_study(study_name=study_name,
                                                      storage=storage).get_trials()}
    done_before = {n for n, t in before.items() if t.state.is_finished()}
    with sqlite_db.session() as session:
        assert store.get_run(session, run_id).status == "running"

    assert run_driver(run_id, tmp_settings, poll_interval_s=0.2) == "completed"

    trials = {t.number: t for t in optuna.load_study(study_name=study_name,
                                                      storage=storage).get_trials()}
    for number in done_before:  # finished trials kept as they were
        assert trials[number].state == before[number].state
        assert trials[number].values == before[number].values
    orphans = [t for t in trials.values() if t.user_attrs.get("orphaned")]
    assert all(t.state == optuna.trial.TrialState.FAIL for t in orphans)
    assert all(t.state != optuna.trial.TrialState.RUNNING for t in trials.values())
    assert len(trials) - len(orphans) == 10
    with sqlite_db.session() as session:
        rows = {r.number: r for r in store.list_trials(session, run_id)}
    for trial in orphans:
        assert rows[trial.number].state == "failed" and rows[trial.number].error == ORPHAN_MESSAGE
    assert sum(r.state == "complete" for r in rows.values()) == 10
