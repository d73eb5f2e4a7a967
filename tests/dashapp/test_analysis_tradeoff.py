"""The Trade-offs tab: the best trial on one measure under bounds on others, checked against
the trials themselves; clear messages for bad limits; nothing for outsiders."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optunagui.store import list_trials
from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

COLUMNS = "analysis-tradeoff-optimise.options"
PICK = "analysis-tradeoff-result.children"


@pytest.fixture
def tradeoff_run(world, database) -> int:
    return write_run(database, world.alpha, RUN_NAME + " tradeoff", world.user_ids["ed"],
                     metrics=("accuracy", "log_loss"))


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _pick(app, client, run_id, optimise="accuracy", direction="maximize", **bounds):
    values = {"run_id": str(run_id), "optimise": optimise, "direction": direction}
    for i in (1, 2):
        values[f"column{i}"] = bounds.get(f"column{i}")
        values[f"op{i}"] = bounds.get(f"op{i}", "<=")
        values[f"limit{i}"] = bounds.get(f"limit{i}")
    return post_callback(client, app, callback_key(app, PICK), values)


def _expected(database, run_id, limit):
    with database.session() as session:
        trials = list_trials(session, run_id)
    ok = [t for t in trials if t.user_attrs["metrics"]["fit_time_s"] <= limit]
    return max(ok, key=lambda t: t.values[0])


def test_columns_list_objectives_recorded_metrics_and_duration(app, client_for, tradeoff_run):
    values = {"run_id": str(tradeoff_run), "tab": "tradeoffs", "chosen": None}
    body = _body(post_callback(client_for("vic"), app, callback_key(app, COLUMNS), values))
    options = body["analysis-tradeoff-optimise"]["options"]
    assert options == ["accuracy", "log_loss", "fit_time_s", "duration_s"]
    assert body["analysis-tradeoff-bound1-column"]["value"] == "fit_time_s"


def test_the_most_accurate_trial_under_a_fit_time_bound(app, client_for, database, tradeoff_run):
    limit = 0.015
    expected = _expected(database, tradeoff_run, limit)
    body = _body(_pick(app, client_for("vic"), tradeoff_run, column1="fit_time_s",
                       limit1=str(limit)))
    text = json.dumps(body["analysis-tradeoff-result"])
    assert f"Trial {expected.number}: the best accuracy" in text
    assert "fit_time_s <= 0.015" in text
    figure = body["analysis-tradeoff-graph"]["figure"]
    star = [t for t in figure["data"] if t["name"] == "picked"][0]
    assert star["y"] == [pytest.approx(expected.values[0])]
    unconstrained = _body(_pick(app, client_for("vic"), tradeoff_run))
    with database.session() as session:
        best = max(list_trials(session, tradeoff_run), key=lambda t: t.values[0])
    assert f"Trial {best.number}:" in json.dumps(unconstrained)


def test_a_measure_that_is_not_an_objective_uses_the_chosen_direction(app, client_for,
                                                                      database, tradeoff_run):
    body = _body(_pick(app, client_for("vic"), tradeoff_run, optimise="fit_time_s",
                       direction="minimize"))
    with database.session() as session:
        fastest = min(list_trials(session, tradeoff_run),
                      key=lambda t: t.user_attrs["metrics"]["fit_time_s"])
    assert f"Trial {fastest.number}: the best fit_time_s" in json.dumps(body)


@pytest.mark.parametrize("limit", ["fast", "1e999", "nan"])
def test_a_bad_limit_names_the_bound(app, client_for, tradeoff_run, limit):
    body = _body(_pick(app, client_for("vic"), tradeoff_run, column1="fit_time_s",
                       limit1=limit))
    assert "Bound 1: the limit must be a number" in json.dumps(body)


def test_no_trial_within_the_bounds_says_so(app, client_for, tradeoff_run):
    body = _body(_pick(app, client_for("vic"), tradeoff_run, column1="fit_time_s",
                       limit1="0.0001"))
    assert "No complete trial meets fit_time_s <= 0.0001" in json.dumps(body)


def test_an_unknown_measure_or_operator_is_refused(app, client_for, tradeoff_run):
    body = _body(_pick(app, client_for("vic"), tradeoff_run, column1="password", limit1="1"))
    assert "Bound 1: choose a listed measure" in json.dumps(body)
    body = _body(_pick(app, client_for("vic"), tradeoff_run, column1="fit_time_s",
                       op1="; drop", limit1="1"))
    assert "Bound 1: choose a listed measure" in json.dumps(body)


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_outsiders_get_no_trade_off(app, client_for, tradeoff_run, who):
    response = _pick(app, client_for(who), tradeoff_run, column1="fit_time_s", limit1="1")
    assert response.status_code in (204, 401)
    assert "Trial" not in response.get_data(as_text=True)
