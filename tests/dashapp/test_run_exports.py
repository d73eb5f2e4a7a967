"""The run page's Export menu over HTTP: readers download the run's files, outsiders get none."""

from __future__ import annotations

import base64
import io
import json

import pandas as pd
import pytest
import yaml

from optunagui.reports import find_chromium
from optunagui.store import Run, upsert_trials
from tests.dashapp.conftest import callback_key, give_run_trials, iris_spec, post_callback

EXPORT = "run-export-download.data"
SPEC = iris_spec("exported", n_trials=4)


@pytest.fixture
def exported_run(world, database):
    return give_run_trials(database, world.run_id, SPEC, [
        {"number": 0, "state": "complete", "values": [0.9], "params": {"C": 0.5}},
        {"number": 1, "state": "pruned", "values": [0.4], "params": {"C": 0.02}},
        {"number": 2, "state": "complete", "values": [0.96], "params": {"C": 3.0}},
    ])


def _export(app, client, run_id, what: str):
    item = {"type": "run-export-item", "what": what}
    values = {"clicks": [(item, 1)], "run_id": str(run_id)}
    changed = [json.dumps(item, separators=(",", ":")) + ".n_clicks"]
    return post_callback(client, app, callback_key(app, EXPORT), values, changed=changed)


def _body(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


@pytest.mark.parametrize("who", ["vic", "ed"])
def test_readers_download_params_spec_and_trials(app, client_for, exported_run, who):
    client = client_for(who)
    params = _body(_export(app, client, exported_run, "params"))["run-export-download"]["data"]
    document = json.loads(params["content"])
    assert (document["trial_number"], document["params"]) == (2, {"C": 3.0})
    assert params["filename"] == f"run-{exported_run}-best-params.json"

    spec = _body(_export(app, client, exported_run, "spec"))["run-export-download"]["data"]
    assert yaml.safe_load(spec["content"])["space"]["C"]["high"] == 10.0

    for fmt, read in (("csv", pd.read_csv), ("parquet", pd.read_parquet)):
        data = _body(_export(app, client, exported_run, f"trials-{fmt}"))
        download = data["run-export-download"]["data"]
        assert download["base64"] is True and download["filename"].endswith(f".{fmt}")
        table = read(io.BytesIO(base64.b64decode(download["content"])))
        assert list(table["state"]) == ["complete", "pruned", "complete"]
        assert list(table["params_C"]) == [0.5, 0.02, 3.0]


@pytest.mark.parametrize("who", ["otto", "anonymous", "share"])
def test_outsiders_download_nothing(app, client_for, exported_run, who):
    response = _export(app, client_for(who), exported_run, "trials-csv")
    text = response.get_data(as_text=True)
    assert response.status_code in (200, 204, 401)
    assert "params_C" not in text and "3.0" not in text


def test_a_run_without_complete_trials_says_why(app, client_for, world, database):
    with database.session() as session:
        session.get(Run, world.run_id).spec = SPEC
        upsert_trials(session, world.run_id, [{"number": 0, "state": "failed"},
                                              {"number": 1, "state": "failed"}])
    body = _body(_export(app, client_for("vic"), world.run_id, "params"))
    assert "run-export-download" not in body
    assert "has no complete trial yet" in json.dumps(body["run-export-feedback"])


def test_an_unknown_export_is_ignored(app, client_for, exported_run):
    response = _export(app, client_for("vic"), exported_run, "../../etc/passwd")
    assert response.status_code == 204


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_the_report_downloads_as_html_and_pdf(app, client_for, exported_run):
    client = client_for("vic")
    page = _body(_export(app, client, exported_run, "report-html"))["run-export-download"]["data"]
    assert page["filename"] == f"run-{exported_run}-report.html"
    assert "<h2>Results</h2>" in page["content"] and "<h3>Best trial: 2</h3>" in page["content"]
    pdf = _body(_export(app, client, exported_run, "report-pdf"))["run-export-download"]["data"]
    assert base64.b64decode(pdf["content"]).startswith(b"%PDF")


def test_a_missing_browser_is_a_clear_message(app, client_for, exported_run, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_CHROMIUM", "/nonexistent/chromium")
    body = _body(_export(app, client_for("vic"), exported_run, "report-pdf"))
    assert "PDF reports need Chromium" in json.dumps(body["run-export-feedback"])
