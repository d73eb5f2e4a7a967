"""The driver's tracker thread without Ray: it syncs while events arrive and once more at the
end, and a tracker that does not answer holds the end back at most `catch_up_s`."""

from __future__ import annotations

import time

import pytest

from cluster.driver.tracking import TrackerThread
from optunagui import store
from optunagui.tracking import tracking_warning
from tests.tracking._runs import (
    end_run,
    expected_history,
    history,
    mlflow_runs,
    mlflow_spec,
    new_run,
    write_trial,
)
from tests.tracking.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_settings):
    db = store.Database(tmp_settings.database_url)
    db.upgrade()
    yield db
    db.dispose()


def test_tracker_thread_syncs_during_the_run_and_at_its_end(database, mlflow_up):
    spec = mlflow_spec(mlflow_up.uri)
    run_id = new_run(database, spec)
    tracker = TrackerThread(database, run_id, interval_s=0.1).start()
    write_trial(database, run_id, 0)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with database.session() as session:
            state = session.get(store.tracking.TrackingState, (run_id, "mlflow"))
            if state is not None and state.event_cursor > 0:
                break
        time.sleep(0.1)
    else:
        pytest.fail("the thread logged nothing while the run went on")
    write_trial(database, run_id, 1)
    end_run(database, run_id)

    assert tracker.finish() is True

    parent, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert parent.info.status == "FINISHED" and len(children) == 2
    for number, child in enumerate(children):
        assert history(mlflow_up.uri, child.info.run_id) == expected_history(number)


def test_tracker_thread_end_waits_at_most_catch_up_s_for_a_tracker_that_is_down(database):
    run_id = new_run(database, mlflow_spec(f"http://127.0.0.1:{free_port()}"))
    tracker = TrackerThread(database, run_id, interval_s=0.1, catch_up_s=1.5).start()
    write_trial(database, run_id, 0)
    end_run(database, run_id)
    start = time.monotonic()

    assert tracker.finish() is False

    assert time.monotonic() - start < 15
    with database.session() as session:
        assert "MLflow at http://127.0.0.1:" in tracking_warning(session, run_id)
