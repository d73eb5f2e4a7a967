"""`POST /api/v1/similar` and the launch's near-duplicate refusal: only runs the caller may
read, 409 naming the earlier run unless launch_anyway; through the Python client too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from optunagui.client import ApiError
from optunagui.spec.validation import validate_spec
from optunagui.store import Run
from tests.dashapp.conftest import give_run_trials, iris_spec
from tests.dashapp.test_api_client import client_of, server_url  # noqa: F401  (fixtures)
from tests.dashapp.test_api_writes import _post, bearer, submitted  # noqa: F401  (fixtures)

SPEC = iris_spec("again", n_trials=3)


@pytest.fixture
def earlier(world, database) -> int:
    """The seeded run of Alpha, as a finished run of SPEC with two complete trials."""
    stored = validate_spec(SPEC).to_dict()
    return give_run_trials(database, world.run_id, stored, [
        {"number": 0, "state": "complete", "params": {"C": 1.0}, "values": [0.93]},
        {"number": 1, "state": "complete", "params": {"C": 2.0}, "values": [0.91]}])


def _count_runs(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Run))


def test_similar_lists_only_runs_the_caller_may_read(app, world, earlier, bearer):  # noqa: F811
    answer = _post(app, "/similar", bearer("ed"), {"spec": SPEC})
    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    assert [r["run_id"] for r in found["runs"]] == [earlier]
    assert found["near_duplicate"] and found["near_duplicates"][0]["run_id"] == earlier
    first = found["runs"][0]
    assert first["url"] == f"/runs/{earlier}" and first["best_value"] == pytest.approx(0.93)
    assert first["parts"]["space"] == 1 and first["n_trials"] == 2
    assert f"best 0.93 after 2 trials (run {earlier} in experiment" in found["verdict"]
    outsider = _post(app, "/similar", bearer("otto"), {"spec": SPEC}).get_json()
    assert (outsider["runs"], outsider["near_duplicate"], outsider["compared"]) == ([], False, 0)
    assert "Alpha" not in str(outsider)


def test_similar_of_a_run_is_refused_to_who_may_not_read_it(
        app, world, earlier, bearer):  # noqa: F811
    assert _post(app, "/similar", bearer("vic"), {"run_id": earlier}).status_code == 200
    refused = _post(app, "/similar", bearer("otto"), {"run_id": earlier})
    assert refused.status_code == 404
    assert "no such run, or not one you may read" in refused.get_json()["error"]
    for body in ({}, {"spec": SPEC, "run_id": earlier}, {"spec": SPEC, "limit": 101}):
        assert _post(app, "/similar", bearer("ed"), body).status_code == 422, body


def test_a_near_duplicate_launch_is_refused_unless_launch_anyway(
        app, world, database, earlier, bearer, submitted):  # noqa: F811
    before = _count_runs(database)
    refused = _post(app, f"/experiments/{world.alpha}/runs", bearer("ed"), {"spec": SPEC})
    assert refused.status_code == 409
    document = refused.get_json()
    assert f"nearly duplicates earlier run {earlier}" in document["error"]
    assert "launch_anyway" in document["error"]
    assert document["problems"][0]["field"] == "launch_anyway"
    assert document["problems"][0]["message"].startswith("You ran this on ")
    assert _count_runs(database) == before and submitted == []
    launched = _post(app, f"/experiments/{world.alpha}/runs", bearer("ed"),
                     {"spec": SPEC, "launch_anyway": True})
    assert launched.status_code == 201 and submitted == [launched.get_json()["id"]]
    # Otto may not read Alpha: its run is no near-duplicate for him, and no name leaks.
    his = _post(app, f"/experiments/{world.bravo}/runs", bearer("otto"), {"spec": SPEC})
    assert his.status_code == 201


def test_the_client_asks_for_similar_runs_and_launches_anyway(
        world, earlier, client_of, submitted):  # noqa: F811
    client = client_of("ed")
    found = client.similar(SPEC)
    assert found["near_duplicate"] and found["runs"][0]["run_id"] == earlier
    assert client.similar(run_id=earlier, limit=3)["compared"] == 0
    with pytest.raises(ApiError) as error:
        client.launch(world.alpha, SPEC)
    assert error.value.status == 409 and error.value.problems[0]["field"] == "launch_anyway"
    assert client.launch(world.alpha, SPEC, launch_anyway=True)["status"] == "queued"
