"""The review step's earlier runs over HTTP, as the browser posts them: a draft that nearly
duplicates a finished run the editor may read is flagged with "Open it", Launch is held back
and "Launch anyway" launches; an unexplored range goes into the draft with "Add to draft"; a
person without a role on the earlier run's experiment sees nothing of it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from dashapp.guard import Check, requirement_of
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.similar_review import similar_ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.permissions import Role
from optunagui.store import upsert_trials
from optunagui.store.tables import Run
from tests.dashapp.conftest import callback_key
from tests.dashapp.test_wizard_callbacks import NAVIGATE, browser_values, post, post_to, small_form
from tests.dashapp.test_wizard_suggest import _cells, _form_with

REVIEW = "new-run-similar-panel.children"
ADD = "new-run-unexplored-status.children@"
ANYWAY = "new-run-launch-anyway.disabled"
MODEL = "logistic_regression"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


@pytest.fixture(autouse=True)
def _submitted(monkeypatch):
    import cluster.launch.submit

    monkeypatch.setattr(cluster.launch.submit, "submit_run", lambda *a, **k: None)


def _form() -> dict[str, Any]:
    return small_form(models=[MODEL], step=7)


def _count_runs(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Run))


def _finished_run(app, database, client, experiment_id: int, form: dict[str, Any],
                  space: dict[str, Any] | None = None) -> int:
    """The form launched through the wizard, then given two complete trials (and, with
    ``space``, other searched ranges)."""
    launched = post(client, app, NAVIGATE, browser_values(form, experiment_id, step=7),
                    trigger=ids.launch)
    assert launched.status_code == 200, launched.get_data(as_text=True)
    with database.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        if space is not None:
            run.spec = {**run.spec, "space": {**run.spec["space"], **space}}
        upsert_trials(session, run.id, [
            {"number": n, "state": "complete", "params": {"C": 1.0, "class_weight": None},
             "values": [0.9 + n / 100]} for n in range(2)])
        return run.id


def _review(client, app, experiment_id: int, form: dict[str, Any]) -> dict[str, Any]:
    values = browser_values(form, experiment_id, spec_text="name: the review's spec")
    response = post_to(client, app, callback_key(app, REVIEW), values)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_review_callbacks_require_an_editor(app, client_for):
    client_for("olivia")
    for fragment in (REVIEW, ADD, ANYWAY):
        requirement = requirement_of(app.callback_map[callback_key(app, fragment)]["callback"])
        assert requirement is not None and requirement.check is Check.experiment
        assert requirement.role is Role.editor


def test_a_near_duplicate_is_flagged_and_launch_anyway_launches(app, world, database,
                                                                client_for):
    ed = client_for("ed")
    form = _form()
    earlier = _finished_run(app, database, ed, world.alpha, form)
    shown = _review(ed, app, world.alpha, form)
    text = json.dumps(shown[similar_ids.panel]["children"])
    assert "This draft nearly duplicates an earlier run" in text
    assert f"best 0.91 after 2 trials (run {earlier} in experiment" in text
    assert f'"/runs/{earlier}"' in text and "Open it" in text
    launch_disabled = next(v for k, v in shown.items() if k.startswith(ids.launch))
    assert launch_disabled == {"disabled": True}
    assert shown[similar_ids.launch_anyway]["style"] == {}

    before = _count_runs(database)
    values = browser_values(form, world.alpha, clicks=1)
    launched = post_to(ed, app, callback_key(app, ANYWAY), values,
                       trigger=similar_ids.launch_anyway)
    assert launched.status_code == 200, launched.get_data(as_text=True)
    answer = launched.json["response"]
    assert _count_runs(database) == before + 1
    assert answer[similar_ids.launched]["data"] == {"href": f"/runs/{earlier + 1}",
                                                    "experiment": world.alpha}


def test_launch_pressed_before_the_review_answers_is_held_back_on_a_near_duplicate(
        app, world, database, client_for):
    ed = client_for("ed")
    form = _form()
    earlier = _finished_run(app, database, ed, world.alpha, form)
    before = _count_runs(database)

    pressed = post(ed, app, NAVIGATE, browser_values(form, world.alpha, step=7),
                   trigger=ids.launch)

    assert pressed.status_code == 200, pressed.get_data(as_text=True)
    text = pressed.get_data(as_text=True)
    assert f"(run {earlier} in experiment" in text and "Launch anyway" in text
    assert _count_runs(database) == before


def test_someone_without_a_role_on_the_earlier_run_sees_nothing_of_it(app, world, database,
                                                                       client_for):
    form = _form()
    earlier = _finished_run(app, database, client_for("ed"), world.alpha, form)
    otto = client_for("otto")
    shown = _review(otto, app, world.bravo, form)
    text = json.dumps(shown)
    assert "nearly duplicates" not in text and f"run {earlier}" not in text
    assert f"/runs/{earlier}" not in text and "Unexplored" not in text
    assert shown[similar_ids.launch_anyway]["style"] == {"display": "none"}
    assert next(v for k, v in shown.items() if k.startswith(ids.launch)) == {"disabled": False}
    # Nor can he launch anyway into the experiment he holds no role on.
    values = browser_values(form, world.alpha, clicks=1)
    before = _count_runs(database)
    refused = post_to(otto, app, callback_key(app, ANYWAY), values,
                      trigger=similar_ids.launch_anyway)
    assert refused.status_code in (200, 204, 403)
    assert _count_runs(database) == before


def test_add_to_draft_widens_the_range_no_earlier_run_searched(app, world, database, client_for):
    ed = client_for("ed")
    form = _form()
    _finished_run(app, database, ed, world.alpha, form,
                  space={"C": {"type": "float", "low": 0.0001, "high": 1.0, "log": True}})
    narrow = [dict(r, high=1.0) if r["name"] == "C" else r for r in form["space"]]
    draft = {**form, "space": narrow}
    shown = _review(ed, app, world.alpha, draft)
    text = json.dumps(shown[similar_ids.panel]["children"])
    assert "nearly duplicates" not in text and "Unexplored (logistic_regression)" in text
    regions = shown[similar_ids.store]["data"]["regions"]
    # Above 1 up to the "wide" preset's bound (and below 1e-4 down to its 1e-6).
    key = next(k for k, v in regions.items()
               if v["name"] == "C" and v["suggested"]["high"] > 1)
    assert regions[key]["suggested"] == {"type": "float", "low": 0.0001, "high": 100000.0,
                                         "log": True}

    one = {"type": similar_ids.add, "region": key}
    values = browser_values(draft, world.alpha, clicks=[(one, 1)],
                            kept=shown[similar_ids.store]["data"])
    added = post_to(ed, app, callback_key(app, ADD), values,
                    trigger=json.dumps(one, sort_keys=True, separators=(",", ":")))
    assert added.status_code == 200, added.get_data(as_text=True)
    answer = added.json["response"]
    table = answer[ids.space]["children"]
    assert float(_cells(table, f"{MODEL}/C")["high"]) == 100000.0
    assert yaml.safe_load(answer[ids.yaml]["children"])["space"]["C"]["high"] == 100000.0
    assert answer[similar_ids.status]["children"] == "Added to the draft: C."
    again = _review(ed, app, world.alpha, _form_with(draft, table))
    assert key not in again[similar_ids.store]["data"]["regions"]
    # Regions kept for another experiment are not taken into this one.
    stale = {"experiment": world.bravo, "regions": shown[similar_ids.store]["data"]["regions"]}
    values = browser_values(draft, world.alpha, clicks=[(one, 1)], kept=stale)
    refused = post_to(ed, app, callback_key(app, ADD), values,
                      trigger=json.dumps(one, sort_keys=True, separators=(",", ":")))
    assert ids.space not in refused.json["response"]
