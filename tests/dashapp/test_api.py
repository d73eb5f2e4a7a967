"""The REST API with personal tokens: readers get runs, reports and exports; anyone else gets
the same 404 as for a run that does not exist; bad tokens and bad formats are named."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml

from optunagui.reports import find_chromium
from optunagui.store import accounts, set_user_active
from tests.dashapp.conftest import RUN_NAME, give_run_trials, iris_spec

SPEC = iris_spec("api", n_trials=3)


@pytest.fixture
def api_run(world, database):
    return give_run_trials(database, world.run_id, SPEC, [
        {"number": 0, "state": "complete", "values": [0.9], "params": {"C": 0.5}},
        {"number": 1, "state": "complete", "values": [0.97], "params": {"C": 4.0}},
    ])


@pytest.fixture
def token_for(world, database):
    def make(name: str) -> dict[str, str]:
        with database.session() as session:
            _info, raw = accounts.create_api_token(session, world.user_ids[name], label="t")
        return {"Authorization": f"Bearer {raw}"}

    return make


def _get(app, path, headers=None):
    return app.server.test_client().get(path, headers=headers or {})


def test_a_viewer_reads_the_run_and_its_exports(app, api_run, token_for):
    headers = token_for("vic")
    summary = _get(app, f"/api/v1/runs/{api_run}", headers).get_json()
    assert (summary["name"], summary["status"]) == (RUN_NAME, "queued")
    assert summary["trials"]["complete"] == 2
    assert summary["best"]["params"] == {"C": 4.0}
    best = _get(app, f"/api/v1/runs/{api_run}/best-params", headers).get_json()
    assert best["trial_number"] == 1 and best["metrics"] == {"accuracy": 0.97}
    spec = _get(app, f"/api/v1/runs/{api_run}/spec", headers)
    assert yaml.safe_load(spec.get_data(as_text=True))["model"] == "logistic_regression"
    trials = _get(app, f"/api/v1/runs/{api_run}/trials?format=parquet", headers)
    assert list(pd.read_parquet(io.BytesIO(trials.data))["params_C"]) == [0.5, 4.0]
    csv = _get(app, f"/api/v1/runs/{api_run}/trials", headers)
    assert csv.headers["Content-Type"].startswith("text/csv")
    report = _get(app, f"/api/v1/runs/{api_run}/report", headers)
    assert report.status_code == 200 and b"<h3>Best trial: 1</h3>" in report.data
    assert _get(app, f"/api/v1/runs/{api_run}/models", headers).get_json() == []


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_reports_come_as_pdf_too(app, world, api_run, token_for):
    headers = token_for("ed")
    run_pdf = _get(app, f"/api/v1/runs/{api_run}/report?format=pdf", headers)
    assert run_pdf.data.startswith(b"%PDF")
    experiment = _get(app, f"/api/v1/experiments/{world.alpha}/report?format=pdf", headers)
    assert experiment.data.startswith(b"%PDF")


def test_outsiders_get_the_same_answer_as_for_a_missing_run(app, world, api_run, token_for):
    headers = token_for("otto")
    for path in (f"/api/v1/runs/{api_run}", f"/api/v1/runs/{api_run}/report",
                 f"/api/v1/runs/{api_run}/trials", f"/api/v1/runs/{api_run}/models/1/package",
                 f"/api/v1/experiments/{world.alpha}/report"):
        response = _get(app, path, headers)
        assert response.status_code == 404, path
        assert RUN_NAME.encode() not in response.data and b"Alpha" not in response.data
    missing = _get(app, "/api/v1/runs/9999", headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"] == "run 9999: no such run, or no access to it"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic dXNlcjpwdw=="},
     {"Authorization": "Bearer ogt_not-a-real-token"}, {"Authorization": "Bearer " + "x" * 5000}],
)
def test_requests_without_a_valid_token_are_refused(app, api_run, headers):
    response = _get(app, f"/api/v1/runs/{api_run}", headers)
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]
    assert RUN_NAME.encode() not in response.data


def test_a_revoked_token_or_a_disabled_user_is_refused(app, world, database, api_run):
    with database.session() as session:
        info, raw = accounts.create_api_token(session, world.user_ids["vic"], label="t")
        _other, raw_ed = accounts.create_api_token(session, world.user_ids["ed"], label="t")
    assert _get(app, f"/api/v1/runs/{api_run}", {"Authorization": f"Bearer {raw}"}).status_code \
        == 200
    with database.session() as session:
        accounts.revoke_api_token(session, info.id, user_id=world.user_ids["vic"])
        set_user_active(session, world.user_ids["ed"], False)
    for token in (raw, raw_ed):
        response = _get(app, f"/api/v1/runs/{api_run}", {"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.get_json()["error"] == "The API token is unknown, expired or revoked."


def test_bad_formats_and_missing_results_are_named(app, world, database, token_for):
    headers = token_for("vic")
    report = _get(app, f"/api/v1/runs/{world.run_id}/report?format=docx", headers)
    assert report.status_code == 400
    assert report.get_json()["error"] == "format: expected one of html, pdf, got 'docx'"
    trials = _get(app, f"/api/v1/runs/{world.run_id}/trials?format=xlsx", headers)
    assert trials.status_code == 400 and "format: expected one of csv, parquet" in \
        trials.get_json()["error"]
    give_run_trials(database, world.run_id, SPEC, [{"number": 0, "state": "failed"},
                                                   {"number": 1, "state": "failed"}])
    best = _get(app, f"/api/v1/runs/{world.run_id}/best-params", headers)
    assert best.status_code == 409 and "has no complete trial yet" in best.get_json()["error"]
    package = _get(app, f"/api/v1/runs/{world.run_id}/models/3/package", headers)
    assert package.status_code == 404
    assert package.get_json()["error"] == f"run {world.run_id} has no package for model version 3"


def test_a_browser_session_is_not_an_api_credential(app, client_for, api_run):
    response = client_for("vic").get(f"/api/v1/runs/{api_run}")
    assert response.status_code == 401
