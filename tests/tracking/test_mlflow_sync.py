"""`sync_run` against a real MLflow server: events written into the product's tables the way
the driver writes them, read back with MlflowClient."""

from __future__ import annotations

import json

import pytest
from mlflow.tracking import MlflowClient
from sqlalchemy import delete, update

from optunagui import store
from optunagui.store.tracking import TrackedTrial, TrackingState
from optunagui.tracking import sync_run, tracking_warning
from optunagui.tracking.payload import flatten_spec
from tests.tracking._runs import (
    end_run,
    expected_history,
    history,
    mlflow_runs,
    mlflow_spec,
    new_run,
    write_trial,
    write_trials,
)
from tests.tracking.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_settings):
    db = store.Database(tmp_settings.database_url)
    db.upgrade()
    yield db
    db.dispose()


def test_sync_run_parent_with_one_child_per_trial(database, mlflow_up, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_PUBLIC_URL", "https://tuning.example.org/")
    spec = mlflow_spec(mlflow_up.uri)
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    write_trial(database, run_id, 1, state="pruned")
    write_trial(database, run_id, 2)
    write_trial(database, run_id, 3, state="failed", n_steps=1)
    end_run(database, run_id)

    result = sync_run(database, run_id)

    assert result.ok and result.logged == {"mlflow": 18}
    name = spec["tracking"]["mlflow"]["experiment_name"]
    parent, children = mlflow_runs(mlflow_up.uri, name)
    client = MlflowClient(mlflow_up.uri)
    assert parent.info.status == "FINISHED" and parent.info.run_name == "tuning"
    assert parent.data.tags["optunagui.run_url"] == f"https://tuning.example.org/runs/{run_id}"
    assert parent.data.params == flatten_spec(spec)
    assert parent.data.params["space.C.low"] == "0.01"
    stored_spec = client.download_artifacts(parent.info.run_id, "optunagui/spec.json")
    assert json.loads(open(stored_spec).read()) == spec
    assert [c.data.tags["optunagui.trial_number"] for c in children] == ["0", "1", "2", "3"]
    with database.session() as session:
        trials = {t.number: t for t in store.list_trials(session, run_id)}
    for child in children:
        number = int(child.data.tags["optunagui.trial_number"])
        trial = trials[number]
        assert child.data.params == {"C": str(trial.params["C"])}
        assert child.data.tags["optunagui.state"] == trial.state
        assert float(child.data.tags["optunagui.duration_s"]) == trial.duration_s
        assert child.info.status == {"complete": "FINISHED", "pruned": "KILLED",
                                     "failed": "FAILED"}[trial.state]
        if trial.state != "failed":
            assert history(mlflow_up.uri, child.info.run_id) == expected_history(number)
    assert children[3].data.tags["optunagui.error"] == "ValueError: boom"
    assert children[1].data.tags["optunagui.pruned_by"] == "asha"
    # the best value as it improved: trial 0, then trial 2 (trial 1 was pruned)
    assert history(mlflow_up.uri, parent.info.run_id, "best_accuracy") == [
        (0, trials[0].value), (2, trials[2].value)]
    assert parent.data.tags["optunagui.best_trial"] == "2"
    assert parent.data.tags["best_params.C"] == str(trials[2].params["C"])


def test_sync_run_incremental_passes_log_each_point_once(db, mlflow_up):
    """On SQLite and PostgreSQL."""
    database = db
    spec = mlflow_spec(mlflow_up.uri)
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    write_trial(database, run_id, 1, finish=False, n_steps=2)
    write_trial(database, run_id, 2, finish=False)
    assert sync_run(database, run_id).ok
    write_trial(database, run_id, 1, steps_from=3, n_steps=3)
    write_trial(database, run_id, 2, steps_from=4, n_steps=3)  # its completed event alone
    assert sync_run(database, run_id).logged == {"mlflow": 3}
    assert sync_run(database, run_id).logged == {}  # nothing new: no tracker call at all
    end_run(database, run_id)
    assert sync_run(database, run_id).logged == {"mlflow": 0}  # closes the parent

    parent, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert parent.info.status == "FINISHED" and len(children) == 3
    for number, child in enumerate(children):
        assert history(mlflow_up.uri, child.info.run_id) == expected_history(number)
        assert child.info.status == "FINISHED"


def test_sync_run_after_an_interrupted_pass_adopts_what_mlflow_has(database, mlflow_up):
    """A pass that died after MLflow took its calls but before our tables kept them: the next
    one finds the parent and the children by their tags and sends the same points again,
    which MLflow keeps once."""
    spec = mlflow_spec(mlflow_up.uri)
    run_id = new_run(database, spec)
    write_trials(database, run_id, range(3))
    assert sync_run(database, run_id).ok
    with database.session() as session:
        session.execute(delete(TrackedTrial).where(TrackedTrial.run_id == run_id))
        session.execute(update(TrackingState).where(TrackingState.run_id == run_id).values(
            event_cursor=0, external_id=None, reconcile=True, best_value=None))

    assert sync_run(database, run_id).ok

    parent, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert len(children) == 3
    for number, child in enumerate(children):
        assert history(mlflow_up.uri, child.info.run_id) == expected_history(number)
    assert len(history(mlflow_up.uri, parent.info.run_id, "best_accuracy")) == 3


def test_mlflow_restarted_mid_run_loses_and_repeats_nothing(database, mlflow_up):
    spec = mlflow_spec(mlflow_up.uri)
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    write_trial(database, run_id, 1, finish=False, n_steps=1)
    assert sync_run(database, run_id).ok
    mlflow_up.stop()
    try:
        write_trial(database, run_id, 1, steps_from=2, n_steps=3)
        write_trial(database, run_id, 2)
        result = sync_run(database, run_id)
        assert "mlflow" in result.errors
        with database.session() as session:
            warning = tracking_warning(session, run_id)
        assert warning is not None and f"MLflow at {mlflow_up.uri}" in warning
        assert "events wait" in warning
        assert "mlflow" in sync_run(database, run_id).waiting  # backing off, no new attempt
    finally:
        mlflow_up.start()
    write_trial(database, run_id, 3)
    end_run(database, run_id)

    assert sync_run(database, run_id, force=True).ok

    with database.session() as session:
        assert tracking_warning(session, run_id) is None
    parent, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert parent.info.status == "FINISHED" and len(children) == 4
    for number, child in enumerate(children):
        assert history(mlflow_up.uri, child.info.run_id) == expected_history(number)
        assert child.info.status == "FINISHED"


def test_unreachable_tracking_uri_gives_a_warning_not_a_crash(database):
    uri = f"http://127.0.0.1:{free_port()}"
    run_id = new_run(database, mlflow_spec(uri))
    assert sync_run(database, run_id).logged == {}  # no events yet: not even a try
    write_trial(database, run_id, 0)

    result = sync_run(database, run_id)

    assert result.errors["mlflow"].startswith(f"MLflow at {uri}: ")
    with database.session() as session:
        warning = tracking_warning(session, run_id)
        state = session.get(TrackingState, (run_id, "mlflow"))
    assert warning is not None and "5 events wait" in warning
    assert state.failures == 1 and state.retry_at > state.error_since


def test_missing_tracking_uri_names_the_field(database, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    spec = mlflow_spec("http://unused")
    spec["tracking"]["mlflow"].pop("tracking_uri")
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)

    result = sync_run(database, run_id)

    assert "tracking.mlflow.tracking_uri is empty and MLFLOW_TRACKING_URI is not set" in \
        result.errors["mlflow"]
    with database.session() as session:
        assert "tracking.mlflow.tracking_uri" in tracking_warning(session, run_id)


def test_tracking_uri_from_the_environment(database, mlflow_up, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_up.uri)
    spec = mlflow_spec("http://unused")
    spec["tracking"]["mlflow"].pop("tracking_uri")
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)

    assert sync_run(database, run_id).ok

    _, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert len(children) == 1


def test_run_without_tracking_is_not_synced(database):
    spec = mlflow_spec("http://unused")
    spec.pop("tracking")
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    result = sync_run(database, run_id)
    assert result.ok and result.logged == {}
    with database.session() as session:
        assert tracking_warning(session, run_id) is None


def test_sqlite_tracking_store_keeps_artifacts_beside_it(database, tmp_path, monkeypatch):
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    uri = f"sqlite:///{tmp_path / 'tracking' / 'mlflow.db'}"
    (tmp_path / "tracking").mkdir()
    spec = mlflow_spec(uri)
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)

    assert sync_run(database, run_id).ok

    parent, children = mlflow_runs(uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert len(children) == 1 and history(uri, children[0].info.run_id) == expected_history(0)
    assert (tmp_path / "tracking" / "mlartifacts").is_dir()
    assert list((tmp_path / "tracking" / "mlartifacts").rglob("spec.json"))
    assert list(workdir.iterdir()) == []
