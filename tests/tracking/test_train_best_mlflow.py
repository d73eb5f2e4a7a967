"""`train_best` logs the model package to the run's parent MLflow run and registers it."""

from __future__ import annotations

import uuid

import pytest
from mlflow.tracking import MlflowClient

from optunagui import store
from optunagui.training import train_best
from tests.tracking._runs import end_run, mlflow_runs, mlflow_spec, new_run, write_trials
from tests.tracking.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_settings):
    db = store.Database(tmp_settings.database_url)
    db.upgrade()
    yield db
    db.dispose()


def _finished_run(database, spec):
    spec = {**spec, "split": {"method": "stratified_kfold", "folds": 2}}
    run_id = new_run(database, spec)
    write_trials(database, run_id, range(2))
    end_run(database, run_id)
    with database.session() as session:
        store.refresh_run_best(session, run_id)
    return run_id, spec


def test_train_best_logs_the_package_and_registers_a_version(database, tmp_settings, mlflow_up):
    name = f"iris-model-{uuid.uuid4().hex[:8]}"
    spec = mlflow_spec(mlflow_up.uri)
    spec["tracking"]["mlflow"]["register_model"] = name
    run_id, spec = _finished_run(database, spec)

    document = train_best(database, tmp_settings, run_id)

    parent, children = mlflow_runs(mlflow_up.uri, spec["tracking"]["mlflow"]["experiment_name"])
    assert len(children) == 2
    logged = document["mlflow"]
    assert logged["parent_run_id"] == parent.info.run_id
    assert logged["artifact_uri"] == f"runs:/{parent.info.run_id}/model/v1"
    client = MlflowClient(mlflow_up.uri)
    files = {f.path for f in client.list_artifacts(parent.info.run_id, "model/v1")}
    assert files and all(p.startswith("model/v1/") for p in files)
    version = client.get_model_version(name, logged["registered_version"])
    assert version.run_id == parent.info.run_id and version.source == logged["artifact_uri"]
    assert version.tags["optunagui.run_id"] == str(run_id)


def test_train_best_keeps_the_model_when_mlflow_is_down(database, tmp_settings):
    run_id, _ = _finished_run(database, mlflow_spec(f"http://127.0.0.1:{free_port()}"))
    messages: list[str] = []

    document = train_best(database, tmp_settings, run_id, log=messages.append)

    assert document["version"] == 1 and document["model_path"]
    assert document["mlflow"]["error"].startswith("MLflow at http://127.0.0.1:")
    assert any("not logged to MLflow" in m for m in messages)
