"""Attaching through the REST API: owners and admins attach, with the same rules as the
dashboard; editors, viewers and outsiders cannot; bad bodies are named."""

from __future__ import annotations

import optuna
import pytest

from optunagui.store import get_run
from optunagui.store.attached import AttachedStudy
from tests.dashapp.test_api import token_for  # noqa: F401  (fixture)

optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.fixture
def study_file(tmp_path) -> str:
    storage = f"sqlite:///{tmp_path / 'api_study.db'}"
    study = optuna.create_study(study_name="api-study", storage=storage, direction="minimize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5)
    return storage


def _post(app, world, headers, body, experiment=None):
    return app.server.test_client().post(
        f"/api/v1/experiments/{experiment or world.alpha}/attached-studies", json=body,
        headers=headers)


def test_an_admin_attaches_and_the_run_reads_back(app, world, database, token_for,  # noqa: F811
                                                  study_file):
    response = _post(app, world, token_for("ada"), {"storage": study_file,
                                                     "studies": ["api-study"]})
    assert response.status_code == 201, response.get_json()
    [run] = response.get_json()["runs"]
    assert run["study"] == "api-study" and run["url"] == f"/runs/{run['id']}"
    summary = app.server.test_client().get(run["api"], headers=token_for("vic")).get_json()
    assert summary["trials"]["complete"] == 5 and summary["status"] == "running"
    with database.session() as session:
        assert get_run(session, run["id"]).spec["attached"]["study"] == "api-study"


def test_who_may_not_attach_and_bad_bodies(app, world, database, token_for,  # noqa: F811
                                           study_file):
    body = {"storage": study_file, "studies": ["api-study"]}
    assert _post(app, world, token_for("olivia"), body).status_code == 403  # a server file
    assert _post(app, world, token_for("ed"), body).status_code == 403  # editor
    assert _post(app, world, token_for("vic"), body).status_code == 403  # viewer
    assert _post(app, world, token_for("otto"), body).status_code == 404  # outsider
    assert _post(app, world, {}, body).status_code == 401
    admin = token_for("ada")
    bad = _post(app, world, admin, {"storage": 3})
    assert bad.status_code == 422 and bad.get_json()["problems"][0]["field"] == "storage"
    assert _post(app, world, admin, {"storage": study_file, "studies": "api-study"}
                 ).get_json()["problems"][0]["field"] == "studies"
    unknown = _post(app, world, admin, {"storage": study_file, "studies": ["nope"]})
    assert unknown.status_code == 400 and "studies there: api-study" in unknown.get_json()["error"]
    with database.session() as session:
        assert session.query(AttachedStudy).count() == 0
