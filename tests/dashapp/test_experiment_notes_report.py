"""The experiment page's notes and report over HTTP: readers read and download, editors write,
outsiders get nothing."""

from __future__ import annotations

import base64
import json

import pytest

from optunagui.reports import find_chromium
from optunagui.store.notes import list_notes
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

SHOW = "..experiment-notes-list.children...experiment-notes-form.style.."
SAVE = ("..experiment-notes-refresh.data...experiment-notes-feedback.children..."
        "experiment-notes-text.value...")
REPORT = "experiment-report-download.data"


def _body(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _save(app, client, world, text):
    values = {"save": 1, "experiment_id": str(world.alpha), "text": text, "editing": None,
              "refresh": 0}
    return post_callback(client, app, callback_key(app, SAVE), values)


def _report(app, client, world, fmt):
    item = {"type": "experiment-report-item", "format": fmt}
    values = {"clicks": [(item, 1)], "experiment_id": str(world.alpha)}
    return post_callback(client, app, callback_key(app, REPORT), values)


def test_experiment_notes_are_written_by_editors_and_read_by_viewers(app, client_for, database,
                                                                     world):
    _body(_save(app, client_for("ed"), world, "Goal: **beat 0.95**"))
    with database.session() as session:
        (note,) = list_notes(session, world.alpha)
    assert (note.run_id, note.author, note.body) == (None, "ed", "Goal: **beat 0.95**")
    shown = _body(post_callback(client_for("vic"), app, callback_key(app, SHOW),
                                {"experiment_id": str(world.alpha), "refresh": 0}))
    listed = json.dumps(shown["experiment-notes-list"])
    assert '"Goal: "' in listed and '"Strong"' in listed and '["beat 0.95"]' in listed
    assert shown["experiment-notes-form"]["style"] == {"display": "none"}


@pytest.mark.parametrize("who", ["vic", "otto"])
def test_viewers_and_outsiders_cannot_write_experiment_notes(app, client_for, database, world,
                                                             who):
    assert _save(app, client_for(who), world, "sneaky").status_code in (204, 401)
    with database.session() as session:
        assert list_notes(session, world.alpha) == []


def test_readers_download_the_experiment_report(app, client_for, world):
    data = _body(_report(app, client_for("vic"), world, "html"))["experiment-report-download"]
    page = data["data"]["content"]
    assert data["data"]["filename"] == f"experiment-{world.alpha}-report.html"
    assert "<h2>Runs</h2>" in page and RUN_NAME in page


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_the_experiment_report_prints_to_pdf(app, client_for, world):
    data = _body(_report(app, client_for("ed"), world, "pdf"))["experiment-report-download"]
    assert base64.b64decode(data["data"]["content"]).startswith(b"%PDF")


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_outsiders_get_no_experiment_report(app, client_for, world, who):
    response = _report(app, client_for(who), world, "html")
    assert response.status_code in (204, 401)
    assert RUN_NAME not in response.get_data(as_text=True)
