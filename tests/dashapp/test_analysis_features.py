"""The analysis page's Features tab over HTTP: the best trial's model is refitted in the
background and its importances and SHAP values rank the planted column first; editors get a
re-run link that carries exactly the ticked columns, viewers the figures only, outsiders
nothing; runs without a complete trial or without their dataset say so."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from dashapp.analysis_state import analysis_state
from dashapp.pages.new_run.wizard.prefill import decode_prefill
from optunagui.store import create_run, update_run_status, upsert_trials
from tests.analysis.html_figures import html_traces
from tests.analysis.test_feature_impact import planted_frame
from tests.dashapp.conftest import callback_key, post_callback

FEATURES = "analysis-shap_bar-graph.figure"
LINK = "analysis-features-rerun-link.href"
DOWNLOAD = "analysis-download.data"
BUTTON = "analysis-download-button"
RUN = "features-run-secret"
SPACE = {"n_estimators": {"type": "int", "low": 4, "high": 8},
         "max_depth": {"type": "int", "low": 2, "high": 4}}
# trial 1 is the best complete one; trial 3 scores higher but failed
TRIALS = [
    {"number": 0, "state": "complete", "values": [0.61], "params": {"n_estimators": 4,
                                                                     "max_depth": 2}},
    {"number": 1, "state": "complete", "values": [0.93], "params": {"n_estimators": 8,
                                                                     "max_depth": 4}},
    {"number": 2, "state": "complete", "values": [0.84], "params": {"n_estimators": 6,
                                                                     "max_depth": 3}},
    {"number": 3, "state": "failed", "values": None, "params": {"n_estimators": 5,
                                                                 "max_depth": 9}},
]


def features_spec(path: str) -> dict[str, Any]:
    return {"name": "features", "dataset": {"path": path, "target": "y"}, "task": "regression",
            "model": "random_forest", "space": dict(SPACE),
            "metrics": [{"name": "r2", "direction": "maximize"}], "budget": {"n_trials": 4}}


def write_features_run(database, experiment_id: int, created_by: int, path: str,
                       trials: list[dict[str, Any]], name: str = RUN) -> int:
    with database.session() as session:
        run = create_run(session, experiment_id, name, features_spec(path),
                         created_by=created_by)
        upsert_trials(session, run.id, trials)
        update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "completed")
        return run.id


@pytest.fixture
def planted_run(world, database, settings) -> int:
    """A random-forest run on a dataset (under the data directory) whose target depends on the
    ``signal`` column only."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    planted_frame().to_csv(settings.data_dir / "planted.csv", index=False)
    return write_features_run(database, world.alpha, world.user_ids["ed"], "planted.csv", TRIALS)


@pytest.fixture
def cache(app):
    features = analysis_state(app.server).features
    yield features
    features.close()


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _show(app, client, run_id: int, cache, trial: int = 1) -> dict[str, Any]:
    """The tab's response once the background computation for ``trial`` has landed."""
    key = callback_key(app, FEATURES)
    values = {"run_id": str(run_id), "tab": "features", "tick": None}
    first = _body(post_callback(client, app, key, values))
    pending = cache.pending((run_id, trial))
    if pending is not None:
        assert first["analysis-features-poll"]["disabled"] is False
        assert "Refitting trial 1's model" in json.dumps(first)
        pending.result(timeout=120)
    return _body(post_callback(client, app, key, values))


def _bars(body: dict[str, Any], name: str) -> dict[str, Any]:
    return body[f"analysis-{name}-graph"]["figure"]["data"][0]


def test_features_tab_ranks_the_planted_column_first_for_the_owner(app, client_for, planted_run,
                                                                   cache):
    body = _show(app, client_for("olivia"), planted_run, cache)
    assert body["analysis-features-poll"]["disabled"] is True
    record = cache.latest(planted_run)
    assert record is not None and record.trial_number == 1 and record.explainer == "tree"
    assert record.shap_values.shape == (60, 3)  # every held-out row: 20% of 300
    shap_bar = _bars(body, "shap_bar")
    assert shap_bar["y"][-1] == "signal"  # drawn bottom-up: the largest bar is the last
    assert shap_bar["x"][-1] == pytest.approx(record.mean_abs_shap["signal"])
    assert _bars(body, "feature_importance")["y"][-1] == "signal"
    swarm = body["analysis-shap_beeswarm-graph"]["figure"]
    assert swarm["layout"]["yaxis"]["ticktext"][-1] == "signal"
    assert "Trial 1's random_forest refitted on 240 rows" in body["analysis-features-note"][
        "children"]
    options = [o["value"] for o in body["analysis-features-drop"]["options"]]
    assert sorted(options) == ["color", "noise", "signal"] and options[-1] == "signal"
    assert body["analysis-features-rerun"]["style"] == {}


def test_viewer_gets_the_figures_but_no_rerun_link(app, client_for, planted_run, cache):
    client = client_for("vic")
    body = _show(app, client, planted_run, cache)
    assert _bars(body, "shap_bar")["y"][-1] == "signal"
    assert body["analysis-features-drop"]["options"] == []
    assert body["analysis-features-rerun"]["style"] == {"display": "none"}
    response = post_callback(client, app, callback_key(app, LINK),
                             {"run_id": str(planted_run), "drop": ["noise"]})
    assert response.status_code == 204


def test_rerun_link_carries_exactly_the_ticked_columns(app, client_for, world, planted_run,
                                                       cache):
    _show(app, client_for("olivia"), planted_run, cache)
    client = client_for("ed")
    key = callback_key(app, LINK)
    body = _body(post_callback(client, app, key, {"run_id": str(planted_run),
                                                  "drop": ["noise", "color", "planted_x", 7]}))
    href = body["analysis-features-rerun-link"]["href"]
    url = urlparse(href)
    assert url.path == f"/experiments/{world.alpha}/new-run"
    query = parse_qs(url.query)
    assert query["clone"] == [str(planted_run)]
    prefill = decode_prefill(drop=query["drop"][0])
    assert prefill.drop == ("noise", "color") and not prefill.problems
    assert body["analysis-features-rerun-link"]["style"] == {}
    assert "2 columns off" in body["analysis-features-rerun-hint"]["children"]
    none = _body(post_callback(client, app, key, {"run_id": str(planted_run), "drop": []}))
    assert none["analysis-features-rerun-link"]["href"] == ""
    assert none["analysis-features-rerun-link"]["style"] == {"display": "none"}


def test_features_download_is_the_shown_figure(app, client_for, planted_run, cache):
    client = client_for("vic")
    _show(app, client, planted_run, cache)
    values = {"run_id": str(planted_run), "clicks": [({"type": BUTTON, "figure": "shap_bar"}, 1)],
              "objective": "r2", "x_param": None, "y_param": None, "method": "fanova"}
    data = _body(post_callback(client, app, callback_key(app, DOWNLOAD), values))[
        "analysis-download"]["data"]
    assert data["filename"] == f"run-{planted_run}-shap_bar.html"
    traces = html_traces(data["content"])
    assert traces[0]["y"][-1] == "signal"


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_features_refuse_outsiders(app, client_for, planted_run, cache, who):
    client = client_for(who)
    response = post_callback(client, app, callback_key(app, FEATURES),
                             {"run_id": str(planted_run), "tab": "features", "tick": None})
    assert response.status_code in (204, 302, 401, 403)
    assert "signal" not in response.get_data(as_text=True)
    assert cache.pending((planted_run, 1)) is None and cache.get((planted_run, 1)) is None
    link = post_callback(client, app, callback_key(app, LINK),
                         {"run_id": str(planted_run), "drop": ["noise"]})
    assert "new-run" not in link.get_data(as_text=True)


def test_run_without_a_complete_trial_says_so(app, client_for, world, database, cache):
    failed = [dict(TRIALS[3])]
    run_id = write_features_run(database, world.alpha, world.user_ids["ed"], "planted.csv",
                                failed, name="nothing finished")
    body = _body(post_callback(client_for("olivia"), app, callback_key(app, FEATURES),
                               {"run_id": str(run_id), "tab": "features", "tick": None}))
    assert "no complete trial yet" in json.dumps(body)
    assert body["analysis-features-poll"]["disabled"] is True
    assert body["analysis-features-rerun"]["style"] == {"display": "none"}


def test_missing_dataset_is_reported_in_the_tab(app, client_for, world, database, cache):
    run_id = write_features_run(database, world.alpha, world.user_ids["ed"], "gone.csv", TRIALS,
                                name="lost data")
    body = _show(app, client_for("olivia"), run_id, cache)
    text = json.dumps(body["analysis-features-note"])
    assert "dataset cannot be loaded" in text and "gone.csv" in text
    assert body["analysis-features-poll"]["disabled"] is True
    assert body["analysis-features-rerun"]["style"] == {"display": "none"}
    assert cache.latest(run_id) is None
