"""The features step's "Columns worth dropping" over HTTP, as the browser posts it: with an
earlier run of a built-in model in the experiment on the draft's dataset, an editor sees the
panel, starts the experiment's recommendation, polls it to the flagged columns with their
evidence, and "Switch these off" unticks exactly those in the returned features table; a draft
on other data (another dataset's options) shows nothing; an outsider or a viewer is refused and
starts nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashapp.components import HIDDEN
from dashapp.pages.new_run.feature_advice_view import feature_advice_ids
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.state import state
from optunagui.datasets.builtin import load_builtin
from optunagui.spec.validation import validate_spec
from tests.dashapp.conftest import callback_key
from tests.dashapp.test_api_features import write_selection_run
from tests.dashapp.test_wizard_callbacks import browser_values, post_to, small_form

SHOW = f"{feature_advice_ids.result}.children"
SWITCH = f"{feature_advice_ids.status}.children"
# two informative columns among six: the four others carry nothing the forest needs
OPTIONS = {"n_samples": 240, "n_features": 6, "n_informative": 2, "class_sep": 2.0, "seed": 3}
MODEL = "random_forest"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


@pytest.fixture
def jobs(app):
    runner = state(app.server).feature_selection_jobs
    yield runner
    runner.close()


@pytest.fixture
def earlier_run(world, database) -> int:
    spec = validate_spec({
        "name": "earlier", "dataset": {"builtin": "synthetic_classification",
                                       "options": dict(OPTIONS)},
        "model": MODEL, "space": {"n_estimators": {"type": "int", "low": 8, "high": 12},
                                  "max_depth": {"type": "int", "low": 2, "high": 4}},
        "metrics": [{"name": "accuracy", "direction": "maximize"}],
        "split": {"method": "stratified_kfold", "folds": 3}, "budget": {"n_trials": 2},
    }).to_dict()
    trials = [{"number": 0, "state": "complete", "values": [0.9],
               "params": {"n_estimators": 10, "max_depth": 3}},
              {"number": 1, "state": "complete", "values": [0.85],
               "params": {"n_estimators": 8, "max_depth": 2}}]
    return write_selection_run(database, world.alpha, world.user_ids["ed"], spec, trials)


def _form(options: dict[str, Any]) -> dict[str, Any]:
    loaded = load_builtin("synthetic_classification", **options)
    columns = loaded.frame.columns
    rows = [{"column": str(c), "kind": "numeric", "use": True, "transform": "",
             "reason": None, "missing": 0} for c in columns if c != loaded.target]
    return small_form(builtin="synthetic_classification", options=dict(options),
                      models=[MODEL], features=rows, step=2)


def _post(client, app, key: str, form: dict[str, Any], experiment: int, trigger: str | None,
          **extra: Any):
    values = browser_values(form, experiment, **extra)
    return post_to(client, app, callback_key(app, key), values, trigger)


def _show(client, app, form, experiment: int, *, clicks: int | None = None) -> dict[str, Any]:
    response = _post(client, app, SHOW, form, experiment,
                     feature_advice_ids.start if clicks else None, clicks=clicks, tick=None)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def _uses(children: Any) -> dict[str, bool]:
    """The features table's switches, by column."""
    found: dict[str, bool] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props") or {}
            node_id = props.get("id")
            if isinstance(node_id, dict) and node_id.get("type") == ids.feature_use:
                found[node_id["column"]] = props.get("value")
            walk(props.get("children"))

    walk(children)
    return found


def test_editor_gets_the_columns_and_switches_them_off(app, client_for, world, earlier_run,
                                                       jobs):
    ed = client_for("ed")
    form = _form(OPTIONS)
    before = _show(ed, app, form, world.alpha)
    assert before[feature_advice_ids.panel]["style"] == {}
    assert before[feature_advice_ids.poll]["disabled"] is True and not jobs.jobs()
    started = _show(ed, app, form, world.alpha, clicks=1)
    assert started[feature_advice_ids.poll]["disabled"] is False
    for job in jobs.jobs():
        job.future.result(timeout=180)
    done = _show(ed, app, form, world.alpha)
    advice = jobs.jobs()[0].result()
    assert advice.runs == (earlier_run,) and advice.drop, advice
    text = json.dumps(done[feature_advice_ids.result]["children"])
    for column in advice.drop:
        assert f"{column}: flagged by 1 of 1 run; dropping it changes accuracy by" in text
    kept = [c.column for c in advice.columns if not c.flagged]
    assert kept and all(f"{c}: flagged" not in text for c in kept)
    assert done[f"{feature_advice_ids.switch_off}-row"]["style"] == {}

    response = _post(ed, app, SWITCH, form, world.alpha, feature_advice_ids.switch_off,
                     clicks=1)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    uses = _uses(body[ids.features]["children"])
    assert set(uses) == {r["column"] for r in form["features"]}
    assert {c for c, use in uses.items() if not use} == set(advice.drop)
    assert f"Switched off {', '.join(advice.drop)}." in json.dumps(body)


def test_a_draft_on_other_data_shows_nothing(app, client_for, world, earlier_run, jobs):
    ed = client_for("ed")
    other = _show(ed, app, _form({**OPTIONS, "seed": 4}), world.alpha, clicks=1)
    assert other[feature_advice_ids.panel]["style"] == HIDDEN
    assert other[feature_advice_ids.result]["children"] is None
    assert jobs.jobs() == []
    switch = _post(ed, app, SWITCH, _form({**OPTIONS, "seed": 4}), world.alpha,
                   feature_advice_ids.switch_off, clicks=1)
    assert "Nothing to switch off" in switch.get_data(as_text=True)


@pytest.mark.parametrize("who", ["otto", "vic", "anonymous"])
def test_outsiders_and_viewers_are_refused(app, client_for, world, earlier_run, jobs, who):
    client = client_for(who)
    form = _form(OPTIONS)
    shown = _post(client, app, SHOW, form, world.alpha, feature_advice_ids.start, clicks=1,
                  tick=None)
    assert shown.status_code in (204, 302, 401, 403)
    assert "flagged by" not in shown.get_data(as_text=True)
    switched = _post(client, app, SWITCH, form, world.alpha, feature_advice_ids.switch_off,
                     clicks=1)
    assert switched.status_code in (204, 302, 401, 403)
    assert jobs.jobs() == []
