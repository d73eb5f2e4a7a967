"""start_runs: the one way every caller starts runs, and how a failed start is recorded.

The failure here is real: a SQLite database cannot serve a remote Ray cluster, and
`submit_run` refuses it before it reaches for any cluster.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cluster.launch.start import start_runs
from optunagui.status import RunStatus
from optunagui.store import Database, get_run, update_run_status
from tests.factories import write_run

SPEC = {
    "name": "iris-logreg",
    "dataset": {"builtin": "iris"},
    "model": "logistic_regression",
    "budget": {"n_trials": 3, "max_concurrent": 1},
}
REMOTE = "http://ray-head.internal:8265"


@pytest.fixture
def remote_settings_db(tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield replace(tmp_settings, ray_address=REMOTE), database
    database.dispose()


def _status(database: Database, run_id: int) -> tuple[str, str | None]:
    with database.session() as session:
        run = get_run(session, run_id)
        assert run is not None
        return run.status, run.status_reason


def test_a_queued_run_that_cannot_start_is_marked_failed_with_the_reason(remote_settings_db):
    settings, database = remote_settings_db
    run_id = write_run(database, SPEC)

    result = start_runs([run_id], settings, db=database)

    assert result.launches == {}
    assert "SQLite file" in result.failures[run_id]
    status, reason = _status(database, run_id)
    assert status == RunStatus.failed
    assert reason == f"could not start: {result.failures[run_id]}"


def test_a_refused_resume_leaves_the_run_as_it_was(remote_settings_db):
    settings, database = remote_settings_db
    run_id = write_run(database, SPEC)

    result = start_runs([run_id], settings, db=database, resume=True)

    assert "SQLite file" in result.failures[run_id]
    assert _status(database, run_id)[0] == RunStatus.queued


def test_a_paused_run_that_cannot_restart_stays_paused(remote_settings_db):
    settings, database = remote_settings_db
    run_id = write_run(database, SPEC)
    with database.session() as session:
        update_run_status(session, run_id, RunStatus.running)
        update_run_status(session, run_id, RunStatus.paused)

    result = start_runs([run_id], settings, db=database)

    assert run_id in result.failures
    assert _status(database, run_id)[0] == RunStatus.paused


def test_each_run_is_started_and_recorded_on_its_own(remote_settings_db):
    settings, database = remote_settings_db
    first = write_run(database, SPEC, "first")
    with database.session() as session:
        experiment_id = get_run(session, first).experiment_id
    second = write_run(database, SPEC, "second", experiment_id=experiment_id)

    result = start_runs([first, second], settings, db=database)

    assert set(result.failures) == {first, second}
    assert _status(database, first)[0] == _status(database, second)[0] == RunStatus.failed
