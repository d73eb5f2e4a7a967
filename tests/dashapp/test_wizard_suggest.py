"""The search-space step's "Suggest from history" and "Take" over HTTP, as the browser posts
them: an earlier finished run of the same model on the same data gives ranges that the take
writes into the space table (and so into the launched spec); a run in an experiment the person
holds no role on gives nothing, and its name never reaches the browser."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from dashapp.guard import Check, requirement_of
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.suggest_view import suggest_ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.permissions import Role
from optunagui.spec.validation import validate_spec
from optunagui.store import create_run, upsert_trials
from optunagui.store.tables import Run
from tests.dashapp.conftest import callback_key, iris_spec
from tests.dashapp.test_wizard_callbacks import NAVIGATE, browser_values, post, post_to, small_form

SUGGEST = "new-run-suggest-panel.children"
TAKE = "new-run-suggest-status.children@"
MODEL = "logistic_regression"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def _store_earlier_run(database, experiment_id: int, user_id: int, name: str) -> int:
    """A finished run on iris whose best trials hold C near 1 and class_weight "balanced"."""
    spec = validate_spec(iris_spec("earlier", n_trials=60)).to_dict()
    rng = np.random.default_rng(0)
    rows = []
    for number in range(60):
        c = float(math.exp(rng.uniform(math.log(0.01), math.log(10.0))))
        weight = [None, "balanced"][number % 2]
        rows.append({"number": number, "state": "complete",
                     "params": {"C": c, "class_weight": weight},
                     "values": [-abs(math.log(c)) + (3.0 if weight else 0.0)]})
    with database.session() as session:
        run = create_run(session, experiment_id, name, spec, created_by=user_id)
        upsert_trials(session, run.id, rows)
        return run.id


def _form() -> dict[str, Any]:
    return small_form(models=[MODEL], step=4)


def _cells(children: Any, row: str) -> dict[str, Any]:
    """The space table's cell values of one row, by attribute."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        props = node.get("props") or {}
        node_id = props.get("id")
        if isinstance(node_id, dict) and node_id.get("row") == row:
            found[str(node_id["type"]).removeprefix(f"{ids.space_cell}-")] = props.get("value")
        walk(props.get("children"))

    walk(children)
    return found


def _suggest(client, app, experiment_id: int, form: dict[str, Any]):
    values = browser_values(form, experiment_id, clicks=1)
    response = post_to(client, app, callback_key(app, SUGGEST), values)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _take(client, app, experiment_id: int, form: dict[str, Any], suggested: Any,
          trigger: str, **clicks: Any):
    values = browser_values(form, experiment_id, suggested=suggested, **clicks)
    response = post_to(client, app, callback_key(app, TAKE), values, trigger=trigger)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def _form_with(form: dict[str, Any], children: Any) -> dict[str, Any]:
    """The form as the browser reads it back from the new space table."""
    rows = []
    for row in form["space"]:
        cells = _cells(children, f"{row['model']}/{row['name']}")
        rows.append({**row, **cells})
    return {**form, "space": rows}


def test_suggest_callbacks_require_an_editor(app, client_for):
    client_for("olivia")
    for fragment in (SUGGEST, TAKE):
        requirement = requirement_of(app.callback_map[callback_key(app, fragment)]["callback"])
        assert requirement is not None and requirement.check is Check.experiment
        assert requirement.role is Role.editor


def test_take_all_puts_the_earlier_runs_ranges_in_the_draft_and_the_launch(
        app, world, database, client_for, monkeypatch):
    import cluster.launch.submit

    monkeypatch.setattr(cluster.launch.submit, "submit_run", lambda *a, **k: None)
    earlier = _store_earlier_run(database, world.alpha, world.user_ids["ed"], "alpha-tuned-run")
    ed = client_for("ed")
    form = _form()
    answer = _suggest(ed, app, world.alpha, form)
    text = answer.get_data(as_text=True)
    assert f"from run {earlier}, 60 trials (same dataset)" in text
    suggested = answer.json["response"][suggest_ids.store]["data"]
    c = suggested["models"][MODEL]["C"]
    assert suggested["experiment"] == world.alpha
    assert 1e-4 < c["low"] < 1.0 < c["high"] < 1e3
    assert answer.json["response"][suggest_ids.take_all]["style"] == {}

    taken = _take(ed, app, world.alpha, form, suggested, suggest_ids.take_all, take_all=1)
    table = taken[ids.space]["children"]
    cells = _cells(table, f"{MODEL}/C")
    assert float(cells["low"]) == pytest.approx(c["low"]) and cells["log"] is True
    assert float(cells["high"]) == pytest.approx(c["high"])
    assert "C" in taken[suggest_ids.status]["children"]

    launched = post(ed, app, NAVIGATE, browser_values(_form_with(form, table), world.alpha,
                                                      step=7), trigger=ids.launch)
    assert launched.status_code == 200, launched.get_data(as_text=True)
    with database.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        assert run is not None and run.id != earlier
        assert run.spec["space"]["C"]["low"] == pytest.approx(c["low"])
        assert run.spec["space"]["C"]["high"] == pytest.approx(c["high"])


def test_take_of_one_parameter_leaves_the_others(app, world, database, client_for):
    _store_earlier_run(database, world.alpha, world.user_ids["ed"], "alpha-tuned-run")
    ed = client_for("ed")
    form = _form()
    suggested = _suggest(ed, app, world.alpha, form).json["response"][suggest_ids.store]["data"]
    one = {"type": suggest_ids.take, "row": f"{MODEL}/class_weight"}
    trigger = json.dumps(one, sort_keys=True, separators=(",", ":"))
    assert "class_weight" in suggested["models"][MODEL], suggested
    taken = _take(ed, app, world.alpha, form, suggested, trigger, take=[(one, 1)])
    table = taken[ids.space]["children"]
    before = {r["name"]: r for r in form["space"]}
    assert _cells(table, f"{MODEL}/C")["low"] == before["C"]["low"]
    assert _cells(table, f"{MODEL}/class_weight")["type"] == \
        suggested["models"][MODEL]["class_weight"]["type"]
    assert taken[suggest_ids.status]["children"] == "Took the suggestion for class_weight."


def test_a_run_in_an_experiment_without_a_role_gives_nothing_and_stays_unnamed(
        app, world, database, client_for):
    earlier = _store_earlier_run(database, world.bravo, world.user_ids["otto"],
                                 "bravo-tuned-run")
    form = _form()
    seen = _suggest(client_for("otto"), app, world.bravo, form)
    assert f"from run {earlier}, 60 trials" in seen.get_data(as_text=True)

    hidden = _suggest(client_for("ed"), app, world.alpha, form)
    text = hidden.get_data(as_text=True)
    assert "Nothing to suggest" in text and "no earlier run of logistic_regression" in text
    assert "bravo-tuned-run" not in text and f"run {earlier}" not in text
    response = hidden.json["response"]
    assert response[suggest_ids.store]["data"] == {"experiment": world.alpha,
                                                   "models": {MODEL: {}}}
    assert response[suggest_ids.take_all]["style"] == {"display": "none"}
    # Suggestions kept for another experiment are not taken into this one.
    stale = {"experiment": world.bravo, "models": {MODEL: {"C": {"type": "float", "low": 1,
                                                               "high": 2}}}}
    taken = _take(client_for("ed"), app, world.alpha, form, stale, suggest_ids.take_all,
                  take_all=1)
    assert ids.space not in taken
    assert taken[suggest_ids.status]["children"].startswith("Nothing to take")


def test_a_draft_with_problems_gets_the_first_one_named(app, world, client_for):
    form = small_form(models=[MODEL], folds=1)
    text = _suggest(client_for("ed"), app, world.alpha, form).get_data(as_text=True)
    assert "Suggestions need a draft that passes its checks" in text and "folds" in text
