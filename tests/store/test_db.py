from __future__ import annotations

import optuna
import pytest
from sqlalchemy import inspect, text

from optunagui.store import (
    Conflict,
    Database,
    Run,
    StoreError,
    User,
    create_user,
    get_run,
    get_user_by_name,
    list_trials,
    upsert_trials,
)

OPTUNA_TABLES = {"studies", "trials", "trial_params", "trial_values", "version_info",
                 "alembic_version"}


def test_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        with db.session() as session:
            create_user(session, "ghost", "h")
            raise RuntimeError("boom")
    with db.session() as session:
        assert get_user_by_name(session, "ghost") is None
        create_user(session, "kept", "h")
    with db.session() as session:
        assert get_user_by_name(session, "kept").username == "kept"


def test_session_turns_database_errors_into_store_errors(db: Database) -> None:
    with pytest.raises(Conflict, match="clashes"):
        with db.session() as session:
            session.add(User(username="dup", password_hash="h"))
            session.add(User(username="dup", password_hash="h"))
    with pytest.raises(StoreError):
        with db.session() as session:
            session.execute(text("SELECT * FROM no_such_table"))


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'og.db'}")
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        database.dispose()


def test_unreachable_database_raises_store_error(tmp_path) -> None:
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match="could not be used"):
        database.upgrade()


def test_optuna_tables_live_beside_ours(db: Database, run: Run) -> None:
    storage = db.optuna_storage()
    try:
        study = optuna.create_study(
            study_name=run.study_name, storage=storage, direction="maximize"
        )
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3)
        rows = [
            {"number": t.number, "state": "complete", "values": t.values, "params": t.params}
            for t in study.trials
        ]
        with db.session() as session:
            upsert_trials(session, run.id, rows)
        loaded = optuna.load_study(
            study_name=run.study_name, storage=db.url.render_as_string(hide_password=False)
        )
        assert len(loaded.trials) == 3
        assert loaded.best_value == study.best_value
        tables = set(inspect(db.engine).get_table_names())
        assert OPTUNA_TABLES <= tables
        with db.session() as session:
            assert get_run(session, run.id).study_name == run.study_name
            assert [t.params for t in list_trials(session, run.id)] == [
                t.params for t in study.trials
            ]
        db.upgrade()  # our migrations ignore Optuna's tables and its alembic_version
        assert db.current_revision() == db.head_revision()
    finally:
        storage.engine.dispose()


def test_sqlite_writer_waits_for_another_writer(tmp_path) -> None:
    import threading
    import time

    url = f"sqlite:///{tmp_path / 'og.db'}"
    first, second = Database(url), Database(url)
    first.upgrade()
    holding = threading.Event()

    def hold_write_lock() -> None:
        with first.session() as session:
            create_user(session, "first", "h")
            holding.set()
            time.sleep(0.3)

    thread = threading.Thread(target=hold_write_lock)
    thread.start()
    try:
        holding.wait(5)
        with second.session() as session:  # reads, then writes: must wait, not fail
            assert get_user_by_name(session, "first") is not None
            create_user(session, "second", "h")
    finally:
        thread.join()
        first.dispose()
        second.dispose()
