"""The wizard's words: counts that agree with their number, a refused upload that says what is
still in use, messages that name the uploaded file rather than where the server keeps it, and a
first step that shows only the source chosen, with "Start over" always at hand."""

from __future__ import annotations

import base64
import json

import pytest

from dashapp.pages import new_run
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.upload_step import still_in_use
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import Capacity, estimate_launch
from dashapp.pages.new_run.wizard.steps import check_form
from dashapp.pages.new_run.wizard.wording import count
from tests.dashapp.test_wizard_callbacks import (
    NAVIGATE,
    UPLOAD,
    _upload,
    browser_values,
    messages_of,
    post,
    small_form,
)

HOLES = b"a,b,empty\n" + b"".join(f"{i},{i * 2},\n".encode() for i in range(30))


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def test_count_agrees_with_its_number():
    assert count(1, "trial") == "1 trial"
    assert count(0, "trial") == "0 trials"
    assert count(2, "class", "classes") == "2 classes"
    assert count(1.0, "CPU") == "1 CPU"
    assert count(0.5, "GPU") == "0.5 GPUs"


@pytest.mark.parametrize(("n_trials", "at_once", "text"), [
    (1, 1, "1 run, 1 trial in all; up to 1 trial at once"),
    (3, 1, "1 run, 3 trials in all; up to 1 trial at once"),
    (3, 2, "1 run, 3 trials in all; up to 2 trials at once"),
])
def test_estimate_says_one_trial_not_one_trials(n_trials, at_once, text):
    form = small_form(n_trials=n_trials, max_concurrent=at_once)
    specs = list(check_form(form, wizard_data.resolve_dataset(None, form, user_id=None,
                                                              experiment_id=1),
                            wizard_data.load_cached).specs.values())
    assert estimate_launch(specs, Capacity(cpu=4, gpu=0, source="test")).describe() == text


def test_estimate_capped_note_agrees_with_its_numbers():
    form = small_form(n_trials=4, max_concurrent=4, cpu=2)
    specs = list(check_form(form, wizard_data.resolve_dataset(None, form, user_id=None,
                                                              experiment_id=1),
                            wizard_data.load_cached).specs.values())
    estimate = estimate_launch(specs, Capacity(cpu=3, gpu=0, source="test"))
    assert "random_forest: 1 trial fits at once (2 CPUs, 0 GPU each), not 4" in estimate.notes


def _refused(client, app, world, **state):
    contents = "data:text/plain;base64," + base64.b64encode(b"not a table").decode()
    values = {"contents": contents, "filename": "notes.docx", "experiment_id": str(world.alpha),
              **state}
    response = post(client, app, UPLOAD, values)
    assert response.status_code == 200
    return response.json["response"]


def test_refused_upload_says_which_data_is_still_in_use(app, world, client_for):
    client = client_for("ed")
    stored = _upload(client, app, world, world.alpha).json["response"][ids.upload_data]["data"]
    payload = _refused(client, app, world, current=stored, source="upload", builtin=None)
    text = json.dumps(payload[ids.upload_status]["children"])
    assert "not a CSV or Parquet file" in text
    assert "The wizard still reads churn.csv, uploaded before." in text
    assert ids.upload_data not in payload and ids.source not in payload  # nothing else changes
    builtin = json.dumps(_refused(client, app, world, source="builtin", builtin="wine"))
    assert "still reads the built-in dataset Wine" in builtin
    nothing = json.dumps(_refused(client, app, world, source="upload", current=None))
    assert "No file is in use: upload a CSV or Parquet file." in nothing


@pytest.mark.parametrize(("source", "builtin", "upload", "expected"), [
    ("upload", None, {"filename": "a.csv"}, "still reads a.csv"),
    ("upload", None, {"name": "a"}, "still reads a,"),
    ("upload", None, "junk", "No file is in use"),
    ("builtin", "nope", None, "No dataset is in use yet."),
    (None, None, None, "No dataset is in use yet."),
])
def test_still_in_use_reads_what_the_browser_holds(source, builtin, upload, expected):
    assert expected in still_in_use(source, builtin, upload)


def test_next_names_the_file_not_the_stored_path(app, world, client_for, settings):
    client = client_for("ed")
    upload = _upload(client, app, world, world.alpha, "holes.csv",
                     HOLES).json["response"][ids.upload_data]["data"]
    form = small_form(source="upload", upload=upload, target="empty")
    response = post(client, app, NAVIGATE, browser_values(form, world.alpha, step=1),
                    trigger=ids.next)
    text = json.dumps(messages_of(response))
    assert "holes.csv" in text and "all missing" in text
    assert str(settings.data_dir) not in response.get_data(as_text=True)


def _find(node, component_id):
    if getattr(node, "id", None) == component_id:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_first_step_shows_the_chosen_source_only_and_start_over_is_there():
    page = new_run.layout("1")
    assert _find(page, ids.upload_box).style == {"display": "none"}  # builtin by default
    assert getattr(_find(page, ids.builtin_box), "style", None) is None
    assert _find(page, ids.start_over).children == "Start over"
    assert _find(page, ids.draft_notice).style == {"display": "none"}
