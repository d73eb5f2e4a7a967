"""The run page's Replay over HTTP: an editor gets a new run with the same spec and dataset
version, started and opened; viewers and outsiders get nothing.

Starting the driver is replaced by a recorder here (a real replay runs in
tests/cluster/test_replay.py)."""

from __future__ import annotations

import json

import pytest

from optunagui.store import Run, list_runs
from tests.dashapp.conftest import callback_key, post_callback

REPLAY = "..run-replay-redirect.href...run-replay-feedback.children.."
SPEC = {
    "name": "replayed",
    "dataset": {"builtin": "iris"},
    "model": "logistic_regression",
    "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
    "metrics": [{"name": "accuracy", "direction": "maximize"}],
    "sampler": {"name": "tpe", "seed": 3},
    "budget": {"n_trials": 3, "max_concurrent": 1},
}


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    import cluster.launch.submit

    calls: list[int] = []
    monkeypatch.setattr(cluster.launch.submit, "submit_run",
                        lambda run_id, settings, db=None: calls.append(run_id))
    return calls


def _replay(app, client, run_id):
    values = {"clicks": [({"type": "run-replay", "index": 0}, 1)], "run_id": str(run_id)}
    return post_callback(client, app, callback_key(app, REPLAY), values)


def _runs(database, experiment_id):
    with database.session() as session:
        return [(r.id, r.name, r.spec, r.created_by) for r in list_runs(session, experiment_id)]


def test_an_editor_replays_a_run_and_opens_the_new_one(app, client_for, world, database,
                                                       launched):
    with database.session() as session:
        session.get(Run, world.run_id).spec = SPEC
    response = _replay(app, client_for("ed"), world.run_id)
    body = json.loads(response.get_data(as_text=True))["response"]
    runs = _runs(database, world.alpha)
    new_id, name, spec, author = runs[0]
    assert new_id != world.run_id and launched == [new_id]
    assert body["run-replay-redirect"]["href"] == f"/runs/{new_id}"
    assert name.endswith(f"(replay of #{world.run_id})") and spec == SPEC
    assert author == world.user_ids["ed"]


@pytest.mark.parametrize("who", ["vic", "otto", "share", "anonymous"])
def test_only_editors_replay(app, client_for, world, database, launched, who):
    before = _runs(database, world.alpha)
    assert _replay(app, client_for(who), world.run_id).status_code in (204, 401)
    assert _runs(database, world.alpha) == before and launched == []


def test_a_run_whose_spec_cannot_run_again_says_why(app, client_for, world, database, launched):
    response = _replay(app, client_for("ed"), world.run_id)  # the world's run has no dataset
    body = json.loads(response.get_data(as_text=True))["response"]
    assert "stored spec cannot run again" in json.dumps(body["run-replay-feedback"])
    assert launched == [] and len(_runs(database, world.alpha)) == 1
