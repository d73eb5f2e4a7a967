"""The wizard's draft over HTTP: a new wizard starts fresh and offers the saved draft (a reload
puts it back by itself), "Resume it", "Discard" and "Start over", nothing saved while the offer
waits, and a launch that drops the draft. Bad drafts from the browser offer nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashapp.pages.new_run.drafts import draft_dataset, notice_text, worth_offering
from dashapp.pages.new_run.ids import FIELDS, ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import default_form
from optunagui.models import list_models
from tests.dashapp.conftest import callback_named
from tests.dashapp.test_wizard_callbacks import (
    NAVIGATE,
    RESTORE,
    _launch,
    browser_values,
    post,
    post_to,
    small_form,
)

HIDDEN = {"display": "none"}


@pytest.fixture
def submitted(monkeypatch) -> list[int]:
    """Runs handed to the cluster (recorded instead of starting a driver)."""
    import cluster.launch.submit

    calls: list[int] = []
    monkeypatch.setattr(cluster.launch.submit, "submit_run",
                        lambda run_id, *a, **k: calls.append(run_id))
    return calls


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def _slots(kind: str) -> list[tuple[dict, dict]]:
    return [(i, i) for i in ({"type": kind, "model": m.name} for m in list_models())]


def _wine_draft(**changes: Any) -> dict[str, Any]:
    form = small_form(builtin="wine", metrics=["f1_macro"], step=5, split_method="holdout")
    form.update(changes)
    return form


def _restore(client, app, experiment: int, draft: Any, reloaded: Any = False, clone=None):
    values = {"stamp": 1, "experiment_id": str(experiment), "draft": draft, "restored": False,
              "clone": clone, "prefill": {}, "model_ids": _slots(ids.model_use),
              "preset_ids": _slots(ids.preset), "reloaded": reloaded}
    response = post(client, app, RESTORE, values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def _choose(client, app, experiment: int, trigger: str, draft: Any):
    values = {"resume": 1, "discard": 1, "start_over": 1, "experiment_id": str(experiment),
              "draft": draft, "model_ids": _slots(ids.model_use),
              "preset_ids": _slots(ids.preset)}
    response = post_to(client, app, callback_named(app, "choose_draft"), values, trigger=trigger)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_wizard_new_opening_offers_the_draft_and_fills_nothing(app, world, client_for):
    draft = {str(world.alpha): _wine_draft()}
    payload = _restore(client_for("ed"), app, world.alpha, draft)
    assert payload[ids.pending]["data"] == {"step": 5}
    assert payload[ids.draft_notice]["style"] == {}
    assert payload[ids.draft_notice_text]["children"] == (
        "You have an unfinished draft (step 5, Wine) —")
    for field in (ids.builtin, ids.metrics, ids.split_method, ids.step, ids.described):
        assert field not in payload  # the fresh wizard stays as it is
    assert ids.draft not in payload  # the draft stays stored until the person chooses


def test_wizard_reload_puts_the_draft_back_by_itself(app, world, client_for):
    draft = {str(world.alpha): _wine_draft()}
    payload = _restore(client_for("ed"), app, world.alpha, draft, reloaded=True)
    assert payload[ids.builtin]["value"] == "wine"
    assert payload[ids.metrics]["value"] == ["f1_macro"]
    assert payload[ids.step]["data"] == 5
    assert payload[ids.pending]["data"] is None
    assert payload[ids.draft_notice]["style"] == HIDDEN
    assert payload[ids.described]["data"] == "builtin:wine:target"


@pytest.mark.parametrize("draft", [
    None, {}, "not a mapping", ["a", "list"], {"1": "not a form"}, {"999": {"step": 4}},
])
def test_wizard_no_or_bad_draft_offers_nothing(app, world, client_for, draft):
    payload = _restore(client_for("ed"), app, world.alpha, draft)
    assert payload[ids.pending]["data"] is None
    assert payload[ids.draft_notice]["style"] == HIDDEN
    assert ids.builtin not in payload


def test_wizard_draft_of_the_defaults_is_not_offered(app, world, client_for):
    draft = {str(world.alpha): {**default_form(), "step": 1}}
    payload = _restore(client_for("ed"), app, world.alpha, draft)
    assert payload[ids.pending]["data"] is None and payload[ids.draft_notice]["style"] == HIDDEN


def test_wizard_clone_link_prefills_and_offers_no_draft(app, world, database, client_for):
    from optunagui.store import create_run

    with database.session() as session:
        run_id = create_run(session, world.alpha, "to clone", {
            "name": "to clone", "dataset": {"builtin": "diabetes"}, "model": "ridge",
            "metrics": [{"name": "mae"}], "budget": {"n_trials": 3}, "space": {},
        }).id
    draft = {str(world.alpha): _wine_draft()}
    payload = _restore(client_for("ed"), app, world.alpha, draft, clone=str(run_id))
    assert payload[ids.builtin]["value"] == "diabetes"
    assert payload[ids.metrics]["value"] == ["mae"]
    assert payload[ids.pending]["data"] is None and payload[ids.draft_notice]["style"] == HIDDEN


def test_wizard_resume_puts_the_draft_back(app, world, client_for):
    draft = {str(world.alpha): _wine_draft(name="half done")}
    payload = _choose(client_for("ed"), app, world.alpha, ids.resume, draft)
    assert payload[ids.builtin]["value"] == "wine"
    assert payload[ids.name]["value"] == "half done"
    assert payload[ids.step]["data"] == 5
    assert payload[ids.pending]["data"] is None
    assert payload[ids.draft_notice]["style"] == HIDDEN
    assert "Resumed" in json.dumps(payload[ids.feedback]["children"])
    assert ids.draft not in payload


@pytest.mark.parametrize("draft", [None, "junk", {"1": ["not", "a", "form"]}, {"77": {}}])
def test_wizard_resume_without_a_draft_says_so(app, world, client_for, draft):
    payload = _choose(client_for("ed"), app, world.alpha, ids.resume, draft)
    assert "no draft to resume" in json.dumps(payload[ids.feedback]["children"])
    assert ids.builtin not in payload and payload[ids.pending]["data"] is None


def test_wizard_discard_drops_only_this_experiments_draft(app, world, client_for):
    draft = {str(world.alpha): _wine_draft(), str(world.bravo): _wine_draft(step=2)}
    payload = _choose(client_for("ed"), app, world.alpha, ids.discard, draft)
    assert payload[ids.draft]["data"] == {str(world.bravo): draft[str(world.bravo)]}
    assert payload[ids.pending]["data"] is None
    assert payload[ids.draft_notice]["style"] == HIDDEN
    assert ids.builtin not in payload  # the fresh wizard stays as it is


def test_wizard_start_over_resets_every_field_and_clears_the_draft(app, world, client_for):
    draft = {str(world.alpha): _wine_draft(task="classification", quick=True)}
    payload = _choose(client_for("ed"), app, world.alpha, ids.start_over, draft)
    fresh = default_form()
    assert payload[ids.draft]["data"] == {}
    assert payload[ids.step]["data"] == 1
    for key, (component, prop) in FIELDS.items():
        assert payload[component][prop] == fresh[key], key
    models = {json.loads(k)["model"]: v["value"] for k, v in payload.items()
              if ids.model_use in k}
    assert [m for m, used in models.items() if used] == fresh["models"]
    assert "Started over" in json.dumps(payload[ids.feedback]["children"])


def test_wizard_next_saves_no_draft_while_the_offer_waits(app, world, client_for):
    client = client_for("ed")
    values = browser_values(small_form(), world.alpha, step=1, pending={"step": 5},
                            draft={str(world.alpha): _wine_draft()})
    waiting = post(client, app, NAVIGATE, values, trigger=ids.next).json["response"]
    assert waiting[ids.step]["data"] == 2 and ids.draft not in waiting
    values["pending"] = None
    saved = post(client, app, NAVIGATE, values, trigger=ids.next).json["response"]
    assert saved[ids.draft]["data"][str(world.alpha)]["builtin"] == "iris"


def test_wizard_launch_drops_the_draft_and_names_where_to_go(
    app, world, database, client_for, submitted
):
    client = client_for("ed")
    form = small_form(name="launched once")
    values = browser_values(form, world.alpha, step=7,
                            draft={str(world.alpha): form, str(world.bravo): {"step": 2}})
    response = post(client, app, NAVIGATE, values, trigger=ids.launch).json["response"]
    assert response[ids.draft]["data"] == {str(world.bravo): {"step": 2}}
    launched = response[ids.launched]["data"]
    assert launched["experiment"] == world.alpha and launched["href"].startswith("/runs/")
    again = _launch(client, app, world, small_form(n_trials=0)).json["response"]
    assert ids.launched not in again  # a refused launch goes nowhere


def test_wizard_draft_worth_offering_and_its_notice():
    assert not worth_offering(default_form())
    assert worth_offering({**default_form(), "step": 3})
    assert worth_offering({**default_form(), "builtin": "wine"})
    assert worth_offering({**default_form(), "models": ["svm"]})
    upload = {"version_id": 4, "name": "penguins", "filename": "penguins.csv"}
    assert draft_dataset({"source": "upload", "upload": upload}) == "penguins.csv"
    assert draft_dataset({"source": "upload", "upload": "junk"}) == "no file uploaded yet"
    assert draft_dataset({"source": "builtin", "builtin": "nope"}) == "no dataset chosen"
    assert notice_text({"step": 99, "builtin": "iris"}) == (
        "You have an unfinished draft (step 1, Iris) —")
