"""Ids far beyond any column's range, on SQLite and on PostgreSQL (which refuses a parameter
beyond a 32-bit column's range): in every API endpoint's path, query and body, and in the
dashboard's guarded callbacks. Always 404 or a 4xx naming the field, never a database error."""

from __future__ import annotations

import pytest

from dashapp.api import ENDPOINTS
from dashapp.api.registry import Endpoint, Scope, path_parameters
from tests.dashapp.conftest import callback_key, iris_spec, post_callback
from tests.dashapp.test_api_permissions import _headers, _path, _send
from tests.dashapp.test_api_writes import submitted  # noqa: F401  (a fixture)

pytestmark = pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)

HUGE = (2**31, 10**17, 2**63, 10**30)
WITH_IDS = [e for e in ENDPOINTS if e.need.scope is not Scope.public and path_parameters(e.path)]


@pytest.fixture
def database(db):
    return db


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=lambda e: f"{e.method} {e.path}")
def test_a_huge_id_in_any_api_path_is_missing(app, world, database, endpoint: Endpoint):
    headers = _headers("owner", world, database)
    for huge in (*HUGE, "\u00b2"):
        response = _send(app, endpoint, _path(endpoint, world, huge), headers)
        assert response.status_code == 404, (huge, response.get_data(as_text=True)[:300])
        assert "no such" in response.get_json()["error"]


def test_a_huge_number_in_an_api_query_is_named(app, world, database):
    headers, client = _headers("owner", world, database), app.server.test_client()
    run = f"/api/v1/runs/{world.run_id}"
    for path, field in (("/api/v1/runs?experiment_id={n}", "experiment_id"),
                        (f"{run}/events?after={{n}}", "after"),
                        (f"{run}/trial-rows?after={{n}}", "after"),
                        (f"{run}/trial-rows?limit={{n}}", "limit")):
        for huge in (2**63, 10**30):
            response = client.get(path.format(n=huge), headers=headers)
            assert response.status_code == 422, (path, huge, response.data[:300])
            assert [p["field"] for p in response.get_json()["problems"]] == [f"query.{field}"]


def test_a_huge_id_in_an_api_body_is_named(app, world, database, submitted):  # noqa: F811
    headers, client = _headers("owner", world, database), app.server.test_client()
    spec = iris_spec("huge", n_trials=2)
    for huge in HUGE:
        for path, body, field in (
                (f"/runs/{world.run_id}/notes", {"text": "x", "trial_number": huge},
                 "trial_number"),
                (f"/experiments/{world.alpha}/runs", {"spec": spec, "dataset_version_id": huge},
                 "dataset_version_id")):
            response = client.post(f"/api/v1{path}", headers=headers, json=body)
            assert response.status_code == 422, (path, huge, response.data[:300])
            assert [p["field"] for p in response.get_json()["problems"]] == [field]
    assert submitted == []


def test_a_huge_id_in_a_guarded_callback_is_not_found(app, world, client_for):
    owner = client_for("olivia")
    for fragment, source in (("experiment-denied.children", "experiment_id"),
                             ("experiment-members.children", "experiment_id")):
        for huge in HUGE:
            response = post_callback(owner, app, callback_key(app, fragment),
                                     {source: str(huge), "refresh": 0})
            assert response.status_code in (200, 204), (fragment, huge, response.data[:300])
            assert "does not exist" in response.get_data(as_text=True) or \
                response.status_code == 204
