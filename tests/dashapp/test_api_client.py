"""`optunagui.client.Client` against a real server on 127.0.0.1: create an experiment, launch
a run from a spec (the driver's start recorded instead of run), read it back, control it; and
the server's refusals as ApiError with its message."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from optunagui.client import ApiError, Client
from optunagui.store import accounts, append_events
from tests.dashapp.conftest import iris_spec
from tests.dashapp.test_api_writes import submitted  # noqa: F401  (a fixture)


@pytest.fixture
def server_url(app):
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def client_of(world, database, server_url):
    def make(name: str, scope: str = "read-write") -> Client:
        with database.session() as session:
            _info, raw = accounts.create_api_token(session, world.user_ids[name], scope=scope)
        return Client(server_url, raw, timeout=30)

    return make


def test_a_script_creates_an_experiment_launches_a_run_and_reads_it(
        client_of, database, submitted):  # noqa: F811
    client = client_of("otto")
    experiment = client.create_experiment("Scripted", idempotency_key="scripted-1")
    assert client.create_experiment("Scripted", idempotency_key="scripted-1") == experiment
    spec = iris_spec("scripted-run", n_trials=2)
    assert client.validate_spec(spec)["valid"]
    run = client.launch(experiment["id"], spec)
    assert run["url"] == f"/runs/{run['id']}" and submitted == [run["id"]]
    assert client.run(run["id"])["status"] == "queued"
    listed = client.runs(experiment_id=experiment["id"], model="logistic_regression")
    assert [r["id"] for r in listed] == [run["id"]]
    with database.session() as session:
        append_events(session, run["id"], [{"kind": "started", "trial_number": n}
                                           for n in range(3)])
    assert [e["trial_number"] for e in client.iter_events(run["id"])] == [0, 1, 2]
    assert client.trials(run["id"]) == {"trials": [], "cursor": -1}
    assert client.pause(run["id"])["action"] == "pause"
    assert client.add_run_note(run["id"], "looks fine")["text"] == "looks fine"


def test_refusals_come_back_as_api_errors_with_the_servers_message(client_of, world,
                                                                   server_url):
    client = client_of("vic")
    with pytest.raises(ApiError) as missing:
        client.run(987654)
    assert missing.value.status == 404 and "no such run" in missing.value.message
    with pytest.raises(ApiError) as viewer:
        client.pause(world.run_id)
    assert viewer.value.status == 403 and "editor" in viewer.value.message
    with pytest.raises(ApiError) as bad_spec:
        client_of("ed").launch(world.alpha, {**iris_spec("x", 2), "budget": {"n_trials": 0}})
    assert bad_spec.value.status == 422
    assert any(p["field"] == "spec.budget.n_trials" for p in bad_spec.value.problems)
    with pytest.raises(ApiError) as read_only:
        client_of("olivia", scope="read").create_experiment("No")
    assert read_only.value.status == 403
    with pytest.raises(ApiError) as bad_token:
        Client(server_url, "ogt_nope").experiments()
    assert bad_token.value.status == 401
    with pytest.raises(ApiError) as unreachable:
        Client("http://127.0.0.1:9", "ogt_x", timeout=2).experiments()
    assert unreachable.value.status == 0


def test_a_script_uploads_a_dataset_launches_on_it_and_replays(
        client_of, world, tmp_path, submitted):  # noqa: F811
    client = client_of("ed")
    data = tmp_path / "small.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(40)))
    version = client.upload_dataset(world.alpha, data)
    assert (version["name"], version["n_rows"]) == ("small", 40)
    spec = {**iris_spec("on-file", n_trials=2), "dataset": {"target": "label"}}
    run = client.launch(world.alpha, spec, dataset_version_id=version["id"])
    again = client.replay(run["id"])
    assert submitted == [run["id"], again["id"]]
    assert client.training(run["id"])["status"] == "none"
