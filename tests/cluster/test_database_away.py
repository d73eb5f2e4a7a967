"""The database away for a while (server restarting, disk full): nothing written is lost,
the run's last words wait for it, and the command line says so in one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.exc import OperationalError

from cluster.driver import main as driver_main
from cluster.driver.context import RunContext, register_context, unregister_context
from cluster.driver.events import EventSink
from cluster.driver.keys import NUMBER_KEY
from cluster.driver.retry import failure_reason, write_when_database_answers
from optunagui import store
from optunagui.store.errors import StoreError
from tests.cluster._runs import make_run, make_spec, steps_objective

FULL = OperationalError("INSERT INTO trial_events ...", {}, Exception("database or disk is full"))


def _trial(number: int) -> SimpleNamespace:
    return SimpleNamespace(config={NUMBER_KEY: number, "C": 1.0}, num_failures=0,
                           trial_id=f"t{number}", last_result={})


def test_event_sink_keeps_a_refused_batch_and_writes_it_when_the_database_answers(
    sqlite_db, monkeypatch
):
    run_id, _ = make_run(sqlite_db, make_spec())
    register_context(RunContext(run_id=run_id, db=sqlite_db))
    try:
        sink = EventSink(run_id)
        sink.on_trial_start(0, [], _trial(0))
        real_append = store.append_events
        monkeypatch.setattr(store, "append_events",
                            lambda *a, **k: (_ for _ in ()).throw(StoreError("disk is full")))
        assert sink.flush() is False
        sink.on_trial_start(0, [], _trial(1))
        monkeypatch.setattr(store, "append_events", real_append)
        assert sink.flush() is True
    finally:
        unregister_context(run_id)
    with sqlite_db.session() as session:
        events = store.list_events_after(session, run_id, 0, 100)
        rows = {r.number: r.state for r in store.list_trials(session, run_id)}
    assert [(e.kind, e.trial_number) for e in events] == [("started", 0), ("started", 1)]
    assert rows == {0: "running", 1: "running"}


def test_write_when_database_answers_retries_until_the_write_is_taken():
    from optuna.exceptions import StorageInternalError

    calls = []

    def write() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise FULL
        if len(calls) == 2:  # Optuna's storage wraps the same error in its own
            raise StorageInternalError("An exception is raised during the commit.")

    assert write_when_database_answers(write, 1, "the status", every_s=0) is True
    assert len(calls) == 3
    assert write_when_database_answers(lambda: False, 1, "events", timeout_s=0) is False


def test_failure_reason_names_the_database_problem_without_sql():
    wrapped = RuntimeError("Tune failed")
    wrapped.__cause__ = FULL
    reason = failure_reason(wrapped)
    assert "database or disk is full" in reason and "INSERT" not in reason
    assert failure_reason(ValueError("bad")) == "ValueError: bad"


def test_driver_writes_its_final_status_once_the_database_answers(
    ray_local, tmp_settings, sqlite_db, monkeypatch
):
    spec = make_spec(budget={"n_trials": 2, "max_concurrent": 2},
                     sampler={"name": "random", "seed": 0})
    run_id, _ = make_run(sqlite_db, spec)
    real_set_status, refused = driver_main._set_status, []

    def set_status(db, run_id, status, reason=None):
        if status == "completed" and len(refused) < 2:
            refused.append(status)
            raise StoreError("the database could not be used: database or disk is full")
        real_set_status(db, run_id, status, reason)

    monkeypatch.setattr(driver_main, "_set_status", set_status)

    assert driver_main.run_driver(run_id, tmp_settings, evaluate=steps_objective(2)) == "completed"
    assert refused == ["completed", "completed"]
    with sqlite_db.session() as session:
        assert store.get_run(session, run_id).status == "completed"


def test_cli_says_a_database_error_in_one_line(monkeypatch, capsys):
    from optunagui import cli

    def refuse(args):
        raise StoreError("the database could not be used: database or disk is full")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    args = parser.parse_args(["presets"])
    monkeypatch.setattr(args, "handler", refuse, raising=False)
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)

    assert cli.main(["presets"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "optunagui: the database could not be used: database or disk is full"


def test_cli_leaves_other_errors_alone(monkeypatch):
    from optunagui import cli

    error = ValueError("not the database")
    parser = cli.build_parser()
    args = parser.parse_args(["presets"])
    monkeypatch.setattr(args, "handler", lambda a: (_ for _ in ()).throw(error), raising=False)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(parser, "parse_args", lambda argv=None: args)
    with pytest.raises(ValueError):
        cli.main(["presets"])


def test_connections_wait_for_a_database_server_that_is_restarting(monkeypatch):
    import psycopg
    from sqlalchemy import create_engine, text

    from cluster.driver.retry import wait_for_server_on_connect
    from tests.conftest import POSTGRES_ADMIN_URL

    engine = create_engine(POSTGRES_ADMIN_URL, pool_pre_ping=True)
    real_connect, refused = engine.dialect.connect, []

    def connect(*cargs, **cparams):
        if len(refused) < 2:
            refused.append(1)
            raise psycopg.OperationalError("the database system is starting up")
        return real_connect(*cargs, **cparams)

    monkeypatch.setattr(engine.dialect, "connect", connect)
    wait_for_server_on_connect(engine, timeout_s=30, every_s=0.01)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
    assert len(refused) == 2


def test_connections_give_up_once_the_wait_is_over(monkeypatch):
    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError as SAOperationalError

    from cluster.driver.retry import wait_for_server_on_connect
    from tests.conftest import POSTGRES_ADMIN_URL

    engine = create_engine(POSTGRES_ADMIN_URL)

    def refuse(*cargs, **cparams):
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(engine.dialect, "connect", refuse)
    wait_for_server_on_connect(engine, timeout_s=0.05, every_s=0.01)
    with pytest.raises(SAOperationalError):
        engine.connect()


def test_a_failed_run_leaves_no_trial_running(tmp_settings, sqlite_db, monkeypatch):
    import optuna

    from cluster.driver.recovery import ORPHAN_MESSAGE

    run_id, study_name = make_run(sqlite_db, make_spec())

    def broken(db, run_id, spec, study_name, *args, **kwargs):
        study = optuna.create_study(study_name=study_name, storage=db.optuna_storage())
        trial = study.ask()
        with db.session() as session:
            store.upsert_trials(session, run_id, [{"number": trial.number, "state": "running"}])
        raise RuntimeError("the experiment broke")

    monkeypatch.setattr(driver_main, "_execute", broken)

    assert driver_main.run_driver(run_id, tmp_settings) == "failed"
    study = optuna.load_study(study_name=study_name, storage=sqlite_db.optuna_storage())
    assert [t.state for t in study.get_trials()] == [optuna.trial.TrialState.FAIL]
    with sqlite_db.session() as session:
        rows = store.list_trials(session, run_id)
        assert store.get_run(session, run_id).status_reason == "RuntimeError: the experiment broke"
    assert [(r.state, r.error) for r in rows] == [("failed", ORPHAN_MESSAGE)]
