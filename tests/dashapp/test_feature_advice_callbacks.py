"""The Features tab's Recommendations and the experiment page's card over HTTP: a viewer asks
for the recommendations and gets the evidence table (the planted noise negligible), an editor
also gets "Test dropping them" with its verdict and the wizard link carrying the recommended
columns; a viewer cannot start the test, an outsider gets nothing, a code run says why."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from dashapp.code_runs import NOT_REFITTABLE
from dashapp.pages.new_run.wizard.prefill import decode_prefill
from dashapp.state import state
from tests.analysis.feature_data import NOISE, selection_spec, selection_trials, write_planted
from tests.dashapp.conftest import callback_named, post_callback
from tests.dashapp.test_api_features import write_selection_run

START = "analysis-feature-advice-start.n_clicks"
TEST = "analysis-feature-advice-test.n_clicks"
EXPERIMENT_START = "experiment-feature-advice-start.n_clicks"


@pytest.fixture
def selection_run(world, database, settings) -> int:
    write_planted(settings.data_dir)
    return write_selection_run(database, world.alpha, world.user_ids["ed"],
                               selection_spec("selection.csv"), selection_trials())


@pytest.fixture
def jobs(app):
    runner = state(app.server).feature_selection_jobs
    yield runner
    runner.close()


def _finish(jobs) -> None:
    for job in jobs.jobs():
        job.future.result(timeout=180)


def _call(app, client, name: str, values: dict[str, Any], changed: str | None = None):
    return post_callback(client, app, callback_named(app, name), values,
                         changed=[changed] if changed else None)


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _advice(app, client, run_id: int, *, clicks: int | None = None) -> dict[str, Any]:
    values = {"run_id": str(run_id), "tab": "features", "clicks": clicks, "tick": None}
    return _body(_call(app, client, "show_feature_advice", values,
                       START if clicks else None))


def test_viewer_gets_the_evidence_table_without_actions(app, client_for, selection_run, jobs):
    vic = client_for("vic")
    before = _advice(app, vic, selection_run)
    assert before["analysis-feature-advice-poll"]["disabled"] is True and not jobs.jobs()
    started = _advice(app, vic, selection_run, clicks=1)
    assert started["analysis-feature-advice-poll"]["disabled"] is False
    _finish(jobs)
    body = _advice(app, vic, selection_run)
    text = json.dumps(body["analysis-feature-advice-table"])
    for column in NOISE:
        assert column in text
    assert "negligible" in text and "Shuffling it" in text
    assert "Could drop" in json.dumps(body["analysis-feature-advice-status"])
    assert body["analysis-feature-advice-actions"]["style"] == {"display": "none"}
    assert body["analysis-feature-advice-rerun"]["href"] == ""
    refused = _call(app, vic, "test_dropping_features",
                    {"run_id": str(selection_run), "clicks": 1, "tick": None}, TEST)
    assert refused.status_code == 204
    assert len(jobs.jobs()) == 1  # no test was started


def test_editor_tests_dropping_the_recommended_columns_and_gets_the_link(
        app, client_for, world, selection_run, jobs):
    ed = client_for("ed")
    _advice(app, ed, selection_run, clicks=1)
    _finish(jobs)
    body = _advice(app, ed, selection_run)
    assert body["analysis-feature-advice-actions"]["style"] == {}
    url = urlparse(body["analysis-feature-advice-rerun"]["href"])
    assert url.path == f"/experiments/{world.alpha}/new-run"
    drop = decode_prefill(drop=parse_qs(url.query)["drop"][0]).drop
    assert set(NOISE) <= set(drop)
    values = {"run_id": str(selection_run), "clicks": 1, "tick": None}
    started = _body(_call(app, ed, "test_dropping_features", values, TEST))
    assert started["analysis-feature-advice-test-poll"]["disabled"] is False
    _finish(jobs)
    shown = _body(_call(app, ed, "test_dropping_features", {**values, "tick": 1},
                        "analysis-feature-advice-test-poll.n_intervals"))
    verdict = json.dumps(shown["analysis-feature-advice-verdict"])
    assert f"Dropping {', '.join(drop)}" in verdict and "paired folds" in verdict
    assert shown["analysis-feature-advice-test-poll"]["disabled"] is True


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_outsiders_get_nothing(app, client_for, world, selection_run, jobs, who):
    client = client_for(who)
    values = {"run_id": str(selection_run), "tab": "features", "clicks": 1, "tick": None}
    response = _call(app, client, "show_feature_advice", values, START)
    assert response.status_code in (204, 302, 401, 403)
    assert "noise1" not in response.get_data(as_text=True)
    experiment = _call(app, client, "show_experiment_feature_advice",
                       {"experiment_id": str(world.alpha), "clicks": 1, "tick": None},
                       EXPERIMENT_START)
    assert experiment.status_code in (204, 302, 401, 403)
    assert jobs.jobs() == []


def test_code_run_says_why_there_is_nothing(app, client_for, world, database, settings, jobs):
    code = selection_spec("selection.csv", model=None, objective={"function": "t.py:f"})
    run_id = write_selection_run(database, world.alpha, world.user_ids["ed"], code,
                                 selection_trials(), name="code")
    body = _advice(app, client_for("olivia"), run_id, clicks=1)
    assert NOT_REFITTABLE in json.dumps(body["analysis-feature-advice-status"])
    assert jobs.jobs() == []


def test_experiment_card_joins_the_runs_for_a_viewer(app, client_for, world, selection_run,
                                                     jobs):
    vic = client_for("vic")
    values = {"experiment_id": str(world.alpha), "clicks": 1, "tick": None}
    started = _body(_call(app, vic, "show_experiment_feature_advice", values,
                          EXPERIMENT_START))
    assert started["experiment-feature-advice-poll"]["disabled"] is False
    _finish(jobs)
    body = _body(_call(app, vic, "show_experiment_feature_advice", {**values, "tick": 1},
                       "experiment-feature-advice-poll.n_intervals"))
    text = json.dumps(body["experiment-feature-advice-result"])
    assert f"Run {selection_run} on dataset selection.csv could drop" in text
    assert "noise1" in text and "1 of 1" in text
