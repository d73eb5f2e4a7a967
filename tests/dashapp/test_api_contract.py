"""What every endpoint shares: the OpenAPI document (valid, and listing exactly the served
endpoints), its page, idempotency keys, read-only tokens, the rate limit, ids out of range,
bodies that are not JSON, unknown paths."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from dashapp.api import ENDPOINTS
from dashapp.api.rate_limit import CONFIG_KEY
from optunagui.store.tables import Experiment
from tests.dashapp.test_api_writes import bearer  # noqa: F401  (a fixture)


def _count_experiments(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Experiment))


def test_the_openapi_document_is_valid_and_lists_every_endpoint(app):
    response = app.server.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    served = {(e.method.lower(), "/api/v1" + e.path) for e in ENDPOINTS}
    listed = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert listed == served
    launch = document["paths"]["/api/v1/experiments/{experiment_id}/runs"]["post"]
    body = launch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/LaunchBody") and "LaunchBody" in document["components"]["schemas"]


def test_the_docs_page_draws_the_document_without_fetching_anything(app):
    page = app.server.test_client().get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "/api/v1/runs/{run_id}/pause" in text and "RangesBody" in text
    assert "<script" not in text and "http" not in text.split("<body>")[1].replace(
        "openapi.json", "")


def test_an_idempotency_key_answers_the_first_answer_again(app, database, bearer):  # noqa: F811
    client, headers = app.server.test_client(), bearer("otto")
    keyed = {**headers, "Idempotency-Key": "make-exp-1"}
    first = client.post("/api/v1/experiments", headers=keyed, json={"name": "Once"})
    count = _count_experiments(database)
    again = client.post("/api/v1/experiments", headers=keyed, json={"name": "Once"})
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count_experiments(database) == count
    other_body = client.post("/api/v1/experiments", headers=keyed, json={"name": "Twice"})
    assert other_body.status_code == 422 and "another body" in other_body.get_json()["error"]
    other_user = client.post("/api/v1/experiments", json={"name": "Once"},
                             headers={**bearer("olivia"), "Idempotency-Key": "make-exp-1"})
    assert other_user.status_code == 201 and other_user.get_json()["id"] != first.get_json()["id"]
    assert _count_experiments(database) == count + 1


def test_a_read_only_token_reads_but_changes_nothing(app, world, database, bearer):  # noqa: F811
    reader = bearer("olivia", scope="read")
    client = app.server.test_client()
    assert client.get(f"/api/v1/runs/{world.run_id}", headers=reader).status_code == 200
    count = _count_experiments(database)
    refused = client.post("/api/v1/experiments", headers=reader, json={"name": "No"})
    assert refused.status_code == 403 and "read-only" in refused.get_json()["error"]
    assert client.post(f"/api/v1/runs/{world.run_id}/pause", headers=reader).status_code == 403
    assert _count_experiments(database) == count


def test_a_token_past_its_rate_limit_is_told_to_wait(app, world, bearer):  # noqa: F811
    app.server.config[CONFIG_KEY] = "3 per minute"
    client, headers, other = app.server.test_client(), bearer("vic"), bearer("vic")
    answers = [client.get(f"/api/v1/runs/{world.run_id}", headers=headers) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "too many requests" in answers[-1].get_json()["error"]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert client.get(f"/api/v1/runs/{world.run_id}", headers=other).status_code == 200


@pytest.mark.parametrize("path", [
    "/runs/99999999999999999999", "/runs/0", "/runs/abc", "/runs/-1/events",
    "/experiments/99999999999999999999/members", "/runs/1/models/99999999999999999999/package",
])
def test_ids_out_of_range_or_malformed_are_missing(app, world, bearer, path):  # noqa: F811
    response = app.server.test_client().get(f"/api/v1{path}", headers=bearer("ada"))
    assert response.status_code == 404 and "no such" in response.get_json()["error"]


def test_bodies_that_are_not_json_objects_and_unknown_paths(app, bearer):  # noqa: F811
    client, headers = app.server.test_client(), bearer("otto")
    for data in ("not json", "[1, 2]"):
        answer = client.post("/api/v1/experiments", headers=headers, data=data,
                             content_type="application/json")
        assert answer.status_code == 400 and "JSON object" in answer.get_json()["error"]
    missing = client.post("/api/v1/experiments", headers=headers, json={"nom": 3})
    assert missing.status_code == 422
    assert {p["field"] for p in missing.get_json()["problems"]} == {"name", "nom"}
    assert client.get("/api/v1/no/such/thing", headers=headers).status_code == 404
    assert client.head("/api/v1/experiments", headers=headers).status_code == 200
    wrong_method = client.delete("/api/v1/experiments", headers=headers)
    assert wrong_method.status_code == 405 and "answers GET, POST" in wrong_method.get_json()[
        "error"]


def test_numbers_out_of_range_in_queries_and_bodies_are_named(app, world, bearer):  # noqa: F811
    client, headers, huge = app.server.test_client(), bearer("ed"), 99999999999999999999
    for path in (f"/api/v1/runs?experiment_id={huge}",
                 f"/api/v1/runs/{world.run_id}/events?after={huge}"):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 422, path
    note = client.post(f"/api/v1/runs/{world.run_id}/notes", headers=headers,
                       json={"text": "x", "trial_number": huge})
    assert note.status_code == 422 and note.get_json()["problems"][0]["field"] == "trial_number"
    launch = client.post(f"/api/v1/experiments/{world.alpha}/runs", headers=headers,
                         json={"spec": {}, "dataset_version_id": huge})
    assert launch.status_code == 422
