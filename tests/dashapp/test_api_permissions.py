"""Every endpoint against every kind of caller: owner, editor, viewer, outsider, a read-only
token, a revoked token and no token; and every POST with bad bodies and unknown ids."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import func, select

from dashapp.api import ENDPOINTS
from dashapp.api.registry import Endpoint, Scope, path_parameters
from dashapp.permissions import Role
from optunagui.store import accounts
from optunagui.store.notes import Note
from optunagui.store.tables import Experiment, Membership, Run
from tests.dashapp.conftest import iris_spec
from tests.dashapp.test_api_writes import submitted  # noqa: F401  (a fixture)

BODIES: dict[str, dict[str, Any]] = {
    "ExperimentNameBody": {"name": "Matrix"},
    "MemberBody": {"username": "otto", "role": "viewer"},
    "NoteBody": {"text": "a note"},
    "EmailBody": {"email": "someone@example.com"},
    "TrialNoteBody": {"text": "a note", "trial_number": 0},
    "SpecBody": {"spec": iris_spec("matrix", n_trials=2)},
    "LaunchBody": {"spec": iris_spec("matrix", n_trials=2)},
    "SuggestBody": {"spec": iris_spec("matrix", n_trials=2)},
    "SimilarBody": {"spec": iris_spec("matrix", n_trials=2)},
    "DatasetUploadBody": {"filename": "tiny.csv",
                          "content_base64": base64.b64encode(b"a,b,y\n1,2,0\n3,4,1\n").decode()},
    "RangesBody": {"ranges": {"C": {"high": 5.0}}},
    "AttachBody": {"storage": "postgresql://nobody@127.0.0.1:1/none", "studies": ["s"]},
    "AlertRuleBody": {"name": "matrix", "kind": "stalled", "params": {"minutes": 5}},
    "ReadBody": {"all": True},
    "AblationBody": {"drop": ["x"]},
}
# Deleting an alert rule needs a fresh rule per caller: its matrix is in test_api_alerts.py.
GUARDED = [e for e in ENDPOINTS if e.need.scope is not Scope.public and "{rule_id}" not in e.path]
POSTS = [e for e in GUARDED if e.body is not None]
# Parties in the order they call: the owner last, after whom a removed member or a stopped run
# changes nothing for the others.
PARTIES = ("anonymous", "revoked", "outsider", "viewer", "editor", "read_only", "owner")


def _token(database, user_id: int, *, scope: str = "read-write", revoked: bool = False) -> str:
    with database.session() as session:
        info, raw = accounts.create_api_token(session, user_id, label="m", scope=scope)
        if revoked:
            accounts.revoke_api_token(session, info.id, user_id=user_id)
    return raw


def _headers(party: str, world, database) -> dict[str, str]:
    users = {"outsider": "otto", "viewer": "vic", "editor": "ed", "owner": "olivia",
             "read_only": "olivia", "revoked": "olivia"}
    if party == "anonymous":
        return {}
    raw = _token(database, world.user_ids[users[party]],
                 scope="read" if party == "read_only" else "read-write",
                 revoked=party == "revoked")
    return {"Authorization": f"Bearer {raw}"}


def _path(endpoint: Endpoint, world, override: int | None = None) -> str:
    values = {"experiment_id": world.alpha, "run_id": world.run_id,
              "user_id": world.user_ids["vic"], "version": 1}
    path = endpoint.path
    for name in path_parameters(path):
        path = path.replace(f"{{{name}}}", str(override or values[name]))
    return "/api/v1" + path


def _send(app, endpoint: Endpoint, path: str, headers: dict[str, str], body: Any = None):
    client = app.server.test_client()
    if endpoint.body is not None and body is None:
        body = BODIES[endpoint.body.__name__]
    return client.open(path, method=endpoint.method, headers=headers, json=body)


def _expected(endpoint: Endpoint, party: str) -> str:
    """"unauthorised", "forbidden", "missing" or "allowed"."""
    if party in ("anonymous", "revoked"):
        return "unauthorised"
    if party == "read_only":
        return "forbidden" if endpoint.writes else "allowed"
    if endpoint.need.scope is Scope.user or endpoint.need.role is None:
        return "allowed"
    if party == "outsider":
        return "missing"
    held = {"viewer": Role.viewer, "editor": Role.editor, "owner": Role.owner}[party]
    return "allowed" if held >= endpoint.need.role else "forbidden"


def _outcome(response) -> str:
    if response.status_code == 401:
        return "unauthorised"
    if response.status_code == 404 and "no such" in (response.get_json() or {}).get("error", ""):
        return "missing"
    error = (response.get_json(silent=True) or {}).get("error", "") \
        if response.mimetype == "application/json" else ""
    if response.status_code == 403 and ("role" in error or "read-only" in error):
        return "forbidden"
    assert response.status_code < 500, response.get_data(as_text=True)
    return "allowed"


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: f"{e.method} {e.path}")
def test_every_endpoint_answers_each_caller_by_role(app, world, database, submitted,  # noqa: F811
                                                    endpoint):
    for party in PARTIES:
        response = _send(app, endpoint, _path(endpoint, world), _headers(party, world, database))
        assert response.mimetype in ("application/json", endpoint.media or "application/json")
        assert _outcome(response) == _expected(endpoint, party), (party, response.get_json(
            silent=True))
        if _outcome(response) != "allowed":
            assert response.mimetype == "application/json"
            assert b"secret" not in response.data


def _counts(database) -> tuple[int, ...]:
    with database.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (Experiment, Run, Membership, Note))


BAD_BODIES = [{}, {"unexpected": 1}, {"name": 3, "spec": "x", "text": 5, "ranges": [],
                                      "username": None, "role": "king", "storage": 1,
                                      "filename": 2, "content_base64": None}]


@pytest.mark.parametrize("endpoint", POSTS, ids=lambda e: f"{e.method} {e.path}")
def test_every_post_names_each_problem_of_a_bad_body_and_does_nothing(
        app, world, database, submitted, endpoint):  # noqa: F811
    headers = _headers("owner", world, database)
    before = _counts(database)
    for body in BAD_BODIES:
        response = _send(app, endpoint, _path(endpoint, world), headers, body)
        assert response.status_code == 422, (body, response.get_json())
        problems = response.get_json()["problems"]
        assert problems and all(p["field"] and p["message"] for p in problems)
    assert _counts(database) == before and submitted == []


@pytest.mark.parametrize("endpoint", [e for e in GUARDED if path_parameters(e.path)],
                         ids=lambda e: f"{e.method} {e.path}")
def test_unknown_ids_are_missing_for_every_endpoint(app, world, database, endpoint):
    headers = _headers("owner", world, database)
    for unknown in (987654, 99999999999999999999):
        response = _send(app, endpoint, _path(endpoint, world, unknown), headers)
        assert response.status_code == 404, (unknown, response.get_json())
