"""The run page's model versions over HTTP: an editor trains the best trial in the background,
readers see the versions and download a package, outsiders get nothing."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile

import pytest

from optunagui.store import Run, upsert_trials
from optunagui.store.models import list_model_versions
from tests.dashapp.conftest import callback_key, post_callback

SHOW = "..run-models-table.children...run-models-train.style..."
TRAIN = "..run-models-refresh.data...run-models-poll.disabled@"
DOWNLOAD = "run-models-download.data"
SPEC = {
    "name": "trained",
    "dataset": {"builtin": "iris"},
    "task": "classification",
    "model": "logistic_regression",
    "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
    "metrics": [{"name": "accuracy", "direction": "maximize"}],
    "split": {"method": "stratified_kfold", "folds": 3},
    "budget": {"n_trials": 2},
}


@pytest.fixture
def trainable_run(world, database):
    with database.session() as session:
        session.get(Run, world.run_id).spec = SPEC
        upsert_trials(session, world.run_id, [
            {"number": 0, "state": "complete", "values": [0.95], "params": {"C": 1.5}},
            {"number": 1, "state": "complete", "values": [0.90], "params": {"C": 0.05}},
        ])
    return world.run_id


def _body(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _show(app, client, run_id):
    return post_callback(client, app, callback_key(app, SHOW),
                         {"run_id": str(run_id), "refresh": 0, "tick": None})


def _train(app, client, run_id):
    return post_callback(client, app, callback_key(app, TRAIN),
                         {"clicks": 1, "run_id": str(run_id), "refresh": 0})


def _download(app, client, run_id, version):
    button = {"type": "run-model-download", "version": version}
    return post_callback(client, app, callback_key(app, DOWNLOAD),
                         {"clicks": [(button, 1)], "run_id": str(run_id)})


def _wait_for_training(app, client, run_id, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    while True:
        body = _body(_show(app, client, run_id))
        if body["run-models-poll"]["disabled"]:
            return body
        assert time.monotonic() < deadline, "training did not finish"
        time.sleep(0.5)


def test_an_editor_trains_a_version_that_readers_download(app, client_for, database,
                                                          trainable_run):
    ed = client_for("ed")
    started = _body(_train(app, ed, trainable_run))
    assert started["run-models-poll"]["disabled"] is False
    body = _wait_for_training(app, ed, trainable_run)
    feedback = json.dumps(body["run-models-feedback"])
    assert "Version 1 trained from trial 0: test accuracy" in feedback
    with database.session() as session:
        (version,) = list_model_versions(session, trainable_run)
    assert (version.version, version.trial_number) == (1, 0)

    viewer = _body(_show(app, client_for("vic"), trainable_run))
    assert viewer["run-models-train"]["style"] == {"display": "none"}
    table = json.dumps(viewer["run-models-table"])
    assert "v1" in table and "run-model-download" in table
    data = _body(_download(app, client_for("vic"), trainable_run, 1))["run-models-download"]
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(data["data"]["content"])))
    names = set(archive.namelist())
    assert {"v1/model.json", "v1/predict.py", "v1/requirements.txt"} <= names
    manifest = json.loads(archive.read("v1/model.json"))
    assert manifest["params"] == {"C": 1.5}


def test_training_a_run_without_complete_trials_says_why(app, client_for, world, database):
    with database.session() as session:
        session.get(Run, world.run_id).spec = SPEC
        upsert_trials(session, world.run_id, [{"number": 0, "state": "failed"},
                                              {"number": 1, "state": "failed"}])
    ed = client_for("ed")
    _body(_train(app, ed, world.run_id))
    body = _wait_for_training(app, ed, world.run_id)
    assert "has no complete trial to train" in json.dumps(body["run-models-feedback"])


@pytest.mark.parametrize("who", ["vic", "otto", "share", "anonymous"])
def test_only_editors_train(app, client_for, database, trainable_run, who):
    assert _train(app, client_for(who), trainable_run).status_code in (204, 401)
    time.sleep(0.2)
    with database.session() as session:
        assert list_model_versions(session, trainable_run) == []


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_outsiders_download_no_package(app, client_for, trainable_run, who):
    response = _download(app, client_for(who), trainable_run, 1)
    assert response.status_code in (204, 401)


def test_a_version_of_another_run_cannot_be_downloaded_here(app, client_for, trainable_run):
    body = _body(_download(app, client_for("vic"), trainable_run, 7))
    assert "Version 7 of this run has no package files" in json.dumps(body)
