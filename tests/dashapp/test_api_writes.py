"""The API's writes, each through the dashboard's own functions: experiments, members, notes,
specs checked and launched, run controls and ranges; lists of runs and events by cursor."""

from __future__ import annotations

import base64
import time

import pytest
from sqlalchemy import func, select

from optunagui.store import Run, accounts, append_events, get_run
from optunagui.store.notes import list_notes
from tests.dashapp.conftest import give_run_trials, iris_spec

SPEC = iris_spec("api-launch", n_trials=3)


@pytest.fixture
def bearer(world, database):
    def make(name: str, scope: str = "read-write") -> dict[str, str]:
        with database.session() as session:
            _info, raw = accounts.create_api_token(session, world.user_ids[name], label="t",
                                                   scope=scope)
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def submitted(monkeypatch) -> list[int]:
    """Runs handed to the cluster (recorded instead of starting a driver)."""
    import cluster.launch.submit

    calls: list[int] = []
    monkeypatch.setattr(cluster.launch.submit, "submit_run",
                        lambda run_id, *a, **k: calls.append(run_id))
    return calls


def _post(app, path, headers, body=None, **extra):
    return app.server.test_client().post(f"/api/v1{path}", headers={**headers, **extra},
                                         json=body)


def _get(app, path, headers):
    return app.server.test_client().get(f"/api/v1{path}", headers=headers)


def _count_runs(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Run))


def test_experiments_are_created_renamed_and_listed(app, world, bearer):
    otto = bearer("otto")
    made = _post(app, "/experiments", otto, {"name": "  From a script "})
    assert made.status_code == 201
    new = made.get_json()
    assert (new["name"], new["role"], new["url"]) == ("From a script", "owner",
                                                     f"/experiments/{new['id']}")
    renamed = _post(app, f"/experiments/{new['id']}/name", otto, {"name": "Renamed"})
    assert renamed.get_json()["name"] == "Renamed"
    names = {e["name"] for e in _get(app, "/experiments", otto).get_json()["experiments"]}
    assert "Renamed" in names and "Alpha <b>secret</b> experiment" not in names
    editor = _post(app, f"/experiments/{world.alpha}/name", bearer("ed"), {"name": "No"})
    assert editor.status_code == 403 and "owner" in editor.get_json()["error"]


def test_owners_manage_members(app, world, bearer):
    olivia = bearer("olivia")
    added = _post(app, f"/experiments/{world.alpha}/members", olivia,
                  {"username": "otto", "role": "viewer"})
    assert added.status_code == 200
    assert {"username": "otto", "role": "viewer"}.items() <= next(
        m for m in added.get_json()["members"] if m["username"] == "otto").items()
    unknown = _post(app, f"/experiments/{world.alpha}/members", olivia,
                    {"username": "nobody", "role": "viewer"})
    assert unknown.status_code == 422 and unknown.get_json()["problems"][0]["field"] == "username"
    client = app.server.test_client()
    gone = client.delete(f"/api/v1/experiments/{world.alpha}/members/{world.user_ids['otto']}",
                         headers=olivia)
    assert gone.status_code == 200
    again = client.delete(f"/api/v1/experiments/{world.alpha}/members/{world.user_ids['otto']}",
                          headers=olivia)
    assert again.status_code == 404
    last_owner = client.delete(
        f"/api/v1/experiments/{world.alpha}/members/{world.user_ids['olivia']}", headers=olivia)
    assert last_owner.status_code == 409 and "last owner" in last_owner.get_json()["error"]


def test_a_spec_is_checked_with_every_problem_by_path(app, bearer):
    ed = bearer("ed")
    good = _post(app, "/specs/validate", ed, {"spec": SPEC}).get_json()
    assert good["valid"] and good["spec"]["space"]["C"]["high"] == 10.0
    bad_spec = {**SPEC, "model": "no_such_model", "budget": {"n_trials": -1}}
    bad = _post(app, "/specs/validate", ed, {"spec": bad_spec}).get_json()
    assert not bad["valid"] and bad["spec"] is None
    fields = {p["field"] for p in bad["problems"]}
    assert "spec.budget.n_trials" in fields
    server_file = {**SPEC, "dataset": {"path": "/etc/passwd", "target": "x"}}
    refused = _post(app, "/specs/validate", ed, {"spec": server_file}).get_json()
    assert refused["problems"][0]["field"] == "spec.dataset.path"


def test_an_editor_launches_a_run_from_a_spec(app, world, database, bearer, submitted):
    launched = _post(app, f"/experiments/{world.alpha}/runs", bearer("ed"), {"spec": SPEC})
    assert launched.status_code == 201, launched.get_json()
    answer = launched.get_json()
    assert answer["url"] == f"/runs/{answer['id']}" and answer["status"] == "queued"
    assert submitted == [answer["id"]]
    with database.session() as session:
        run = get_run(session, answer["id"])
        assert (run.name, run.status, run.experiment_id) == ("api-launch", "queued", world.alpha)
    summary = _get(app, f"/runs/{answer['id']}", bearer("vic")).get_json()
    assert summary["name"] == "api-launch"


def test_a_spec_with_errors_launches_nothing(app, world, database, bearer, submitted):
    before = _count_runs(database)
    bad = _post(app, f"/experiments/{world.alpha}/runs", bearer("ed"),
                {"spec": {**SPEC, "budget": {"n_trials": "many"}, "metrics": "accuracy"}})
    assert bad.status_code == 422
    fields = {p["field"] for p in bad.get_json()["problems"]}
    assert {"spec.budget.n_trials", "spec.metrics"} <= fields
    assert _count_runs(database) == before and submitted == []


def test_editors_pause_and_adjust_ranges(app, world, database, bearer):
    run_id = world.run_id
    with database.session() as session:
        session.get(Run, run_id).spec = SPEC
    ed = bearer("ed")
    paused = _post(app, f"/runs/{run_id}/pause", ed)
    assert paused.status_code == 200 and paused.get_json()["action"] == "pause"
    with database.session() as session:
        assert get_run(session, run_id).control["kind"] == "pause"
    bad = _post(app, f"/runs/{run_id}/ranges", ed,
                {"ranges": {"C": {"low": 50.0}, "gamma": {"low": 1}}})
    assert bad.status_code == 422
    assert {p["field"] for p in bad.get_json()["problems"]} >= {"ranges.gamma"}
    good = _post(app, f"/runs/{run_id}/ranges", ed, {"ranges": {"C": {"high": 5.0}}})
    assert good.status_code == 200 and good.get_json()["changed"] == ["C"]
    with database.session() as session:
        control = get_run(session, run_id).control
    assert control["kind"] == "ranges" and control["payload"]["C"]["high"] == 5.0
    assert control["payload"]["C"]["low"] == 0.01


def test_notes_land_on_the_experiment_and_the_run(app, world, database, bearer):
    ed = bearer("ed")
    note = _post(app, f"/runs/{world.run_id}/notes", ed, {"text": "C above 4", "trial_number": 1})
    assert note.status_code == 201 and note.get_json()["trial_number"] == 1
    assert _post(app, f"/experiments/{world.alpha}/notes", ed, {"text": "plan"}).status_code \
        == 201
    with database.session() as session:
        bodies = [n.body for n in list_notes(session, world.alpha, include_runs=True)]
    assert sorted(bodies) == ["C above 4", "plan"]
    assert _post(app, f"/runs/{world.run_id}/notes", ed, {"text": ""}).status_code == 422


def test_runs_are_listed_with_filters_and_events_read_by_cursor(app, world, database, bearer,
                                                                submitted):
    ed = bearer("ed")
    launched = _post(app, f"/experiments/{world.alpha}/runs", ed, {"spec": SPEC}).get_json()
    all_runs = _get(app, "/runs", ed).get_json()["runs"]
    assert [r["id"] for r in all_runs] == [launched["id"], world.run_id]
    by_model = _get(app, "/runs?model=logistic_regression", ed).get_json()["runs"]
    assert [r["id"] for r in by_model] == [launched["id"]]
    assert _get(app, "/runs?status=running", ed).get_json()["runs"] == []
    assert _get(app, "/runs?created_after=2999-01-01T00:00:00Z", ed).get_json()["runs"] == []
    assert _get(app, f"/runs?experiment_id={world.bravo}", ed).status_code == 404
    wrong = _get(app, "/runs?limit=many&colour=red", ed)
    assert wrong.status_code == 422
    assert {p["field"] for p in wrong.get_json()["problems"]} == {"query.limit", "query.colour"}
    with database.session() as session:
        append_events(session, world.run_id, [
            {"kind": "completed", "trial_number": n, "metrics": {"accuracy": 0.9}}
            for n in range(3)])
    first = _get(app, f"/runs/{world.run_id}/events?limit=2", ed).get_json()
    assert [e["trial_number"] for e in first["events"]] == [0, 1]
    rest = _get(app, f"/runs/{world.run_id}/events?after={first['cursor']}", ed).get_json()
    assert [e["trial_number"] for e in rest["events"]] == [2]
    empty = _get(app, f"/runs/{world.run_id}/events?after={rest['cursor']}", ed).get_json()
    assert empty == {"events": [], "cursor": rest["cursor"]}
    trials = _get(app, f"/runs/{world.run_id}/trial-rows?limit=1", ed).get_json()
    assert [(t["number"], t["state"]) for t in trials["trials"]] == [(0, "complete")]
    later = _get(app, f"/runs/{world.run_id}/trial-rows?after={trials['cursor']}", ed).get_json()
    assert [t["number"] for t in later["trials"]] == [1] and later["cursor"] == 1


def _csv_base64(rows: int = 30) -> str:
    lines = ["x1,x2,label"] + [f"{i},{i % 7},{i % 2}" for i in range(rows)]
    return base64.b64encode("\n".join(lines).encode()).decode()


def test_a_dataset_is_uploaded_and_a_run_launched_on_it(app, world, database, bearer,
                                                       submitted):
    ed = bearer("ed")
    uploaded = _post(app, f"/experiments/{world.alpha}/datasets", ed,
                     {"filename": "../../tiny.csv", "content_base64": _csv_base64()})
    assert uploaded.status_code == 201, uploaded.get_json()
    version = uploaded.get_json()
    assert (version["name"], version["n_rows"], version["n_columns"]) == ("tiny", 30, 3)
    spec = {**SPEC, "dataset": {"target": "label"}, "name": "on-upload"}
    launched = _post(app, f"/experiments/{world.alpha}/runs", ed,
                     {"spec": spec, "dataset_version_id": version["id"]})
    assert launched.status_code == 201, launched.get_json()
    with database.session() as session:
        run = get_run(session, launched.get_json()["id"])
        assert run.dataset_version_id == version["id"]
        assert run.spec["dataset"]["version"] == version["sha256"]
    others = _post(app, f"/experiments/{world.alpha}/runs", bearer("olivia"),
                   {"spec": {**spec, "name": "not-yours"}, "dataset_version_id": 987654})
    assert others.status_code == 422
    assert others.get_json()["problems"][0]["field"] == "dataset_version_id"
    damaged = _post(app, f"/experiments/{world.alpha}/datasets", ed,
                    {"filename": "x.csv", "content_base64": "not base64!"})
    assert damaged.status_code == 422 and "base64" in damaged.get_json()["error"]
    wrong_kind = _post(app, f"/experiments/{world.alpha}/datasets", ed,
                       {"filename": "x.xlsx", "content_base64": _csv_base64()})
    assert wrong_kind.status_code == 422 and "CSV or Parquet" in wrong_kind.get_json()["error"]


def test_a_run_is_replayed_and_its_best_model_trained(app, world, database, bearer, submitted):
    give_run_trials(database, world.run_id, SPEC, [
        {"number": 0, "state": "complete", "values": [0.95], "params": {"C": 4.0}}])
    ed = bearer("ed")
    replayed = _post(app, f"/runs/{world.run_id}/replay", ed)
    assert replayed.status_code == 201, replayed.get_json()
    answer = replayed.get_json()
    assert answer["of_run_id"] == world.run_id and submitted == [answer["id"]]
    with database.session() as session:
        assert get_run(session, answer["id"]).spec["model"] == "logistic_regression"
    started = _post(app, f"/runs/{world.run_id}/train-best", ed)
    assert started.status_code == 202
    deadline = time.monotonic() + 120
    status = started.get_json()
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = _get(app, f"/runs/{world.run_id}/train-best", ed).get_json()
    assert status["status"] == "done", status
    models = _get(app, f"/runs/{world.run_id}/models", bearer("vic")).get_json()
    assert [m["version"] for m in models] == [1]
    assert _post(app, f"/runs/{world.run_id}/train-best", bearer("vic")).status_code == 403
