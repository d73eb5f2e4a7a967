"""The compare page over HTTP: side by side, overlays, statistics with a verdict in words,
plain notes where fold scores are missing, downloads, and refusals that reveal nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.analysis.html_figures import html_traces
from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import callback_key, post_callback

SHOW = "compare-problem.children"
DOWNLOAD = "compare-download.data"
BUTTON = "compare-download-button"
FOLDS = [0.0, -0.01, 0.005, -0.004, 0.002]
EXPERIMENT_LINK = "experiment-denied.children"


@pytest.fixture
def runs(world, database) -> dict[str, int]:
    """Two Alpha runs with fold scores (one clearly better), one without, one in Bravo."""
    ed, otto = world.user_ids["ed"], world.user_ids["otto"]
    return {
        "base": write_run(database, world.alpha, "baseline", ed, seed=1, folds=FOLDS),
        "better": write_run(database, world.alpha, "tuned", ed, seed=2, shift=0.05,
                            model="xgboost", folds=[f + 0.001 * i for i, f in enumerate(FOLDS)]),
        "nofolds": write_run(database, world.alpha, "no folds", ed, seed=3),
        "bravo": write_run(database, world.bravo, "bravo-secret-run", otto, seed=4, folds=FOLDS),
    }


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _show(app, client, text: str) -> dict[str, Any]:
    return _body(post_callback(client, app, callback_key(app, SHOW), {"runs": text}))


def test_compare_two_runs_side_by_side_with_a_verdict(app, client_for, runs):
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['better']}")
    assert body["compare-body"]["style"] == {}
    assert body["compare-problem"]["children"] is None
    table = json.dumps(body["compare-table"]["children"])
    assert f"#{runs['base']} baseline" in table and f"#{runs['better']} tuned" in table
    assert "param: planted" in table and "table-warning" in table  # best params differ
    assert "xgboost" in table and "fit_time_s" in table
    stats = json.dumps(body["compare-stats-table"]["children"])
    assert f"#{runs['better']} tuned beats #{runs['base']} baseline" in stats
    assert "Wilcoxon p" in stats and "Cohen" in stats
    by_number = body["compare-overlay-number-graph"]["figure"]
    assert [trace["name"] for trace in by_number["data"]] == [
        f"#{runs['base']} baseline", f"#{runs['better']} tuned"]
    assert body["compare-overlay-time-graph"]["figure"]["layout"]["xaxis"]["title"]["text"] == (
        "seconds since the run started")


def test_compare_says_plainly_when_fold_scores_are_missing(app, client_for, runs):
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['nofolds']}")
    notes = json.dumps(body["compare-stats-notes"]["children"])
    assert f"Fold scores were not recorded for run #{runs['nofolds']} no folds" in notes
    assert body["compare-stats-table"]["children"] is None
    assert body["compare-body"]["style"] == {}  # the rest of the page is still there


def test_compare_three_runs_uses_holm_correction(app, client_for, world, database, runs):
    third = write_run(database, world.alpha, "third", world.user_ids["ed"], seed=5,
                      folds=[f * 2 for f in FOLDS])
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['better']},{third}")
    stats = json.dumps(body["compare-stats-table"]["children"])
    assert stats.count(" vs ") == 3 and "Holm" in stats


@pytest.mark.parametrize("who", ["otto", "vic"])
def test_compare_refuses_runs_the_user_cannot_read_and_shows_nothing_of_them(
    app, client_for, runs, who
):
    """otto cannot read Alpha's runs; vic cannot read Bravo's: the same words as for a run
    that does not exist, and no name, value or parameter of it."""
    hidden = runs["base"] if who == "otto" else runs["bravo"]
    text = f"{hidden},999999"
    response = post_callback(client_for(who), app, callback_key(app, SHOW), {"runs": text})
    raw = response.get_data(as_text=True)
    assert f"Runs {hidden}, 999999: not shown" in raw
    assert "no such run, or you have no access" in raw
    for secret in ("baseline", "bravo-secret-run", "planted", "accuracy", "xgboost"):
        assert secret not in raw
    assert _body(response)["compare-body"]["style"] == {"display": "none"}


def test_compare_shows_the_readable_runs_and_refuses_the_others(app, client_for, runs):
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['better']},{runs['bravo']}")
    raw = json.dumps(body)
    assert f"Run {runs['bravo']}: not shown" in raw
    assert "bravo-secret-run" not in raw
    assert f"#{runs['better']} tuned" in raw


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "Choose runs to compare"),
        ("3,abc", "runs: “abc” is not a run id"),
        ("1,2,3,4,5,6,7,8,9", "at most 8 runs"),
    ],
)
def test_compare_bad_run_lists_get_a_message_naming_the_field(app, client_for, runs, text,
                                                                message):
    body = _show(app, client_for("vic"), text)
    assert message in json.dumps(body["compare-problem"]["children"], ensure_ascii=False)
    assert body["compare-body"]["style"] == {"display": "none"}


def test_compare_download_contains_the_runs_curves(app, client_for, runs):
    values = {"clicks": [({"type": BUTTON, "figure": "overlay-number"}, 1)],
              "runs": f"{runs['base']},{runs['better']}"}
    body = _body(post_callback(client_for("vic"), app, callback_key(app, DOWNLOAD), values))
    data = body["compare-download"]["data"]
    assert data["filename"] == f"compare-{runs['base']}-{runs['better']}-overlay-number.html"
    assert "<script src=" not in data["content"]
    traces = html_traces(data["content"])
    assert [t["name"] for t in traces] == [f"#{runs['base']} baseline", f"#{runs['better']} tuned"]


def test_compare_download_leaves_out_runs_the_user_cannot_read(app, client_for, runs):
    values = {"clicks": [({"type": BUTTON, "figure": "table"}, 1)],
              "runs": f"{runs['base']},{runs['bravo']}"}
    response = post_callback(client_for("vic"), app, callback_key(app, DOWNLOAD), values)
    content = _body(response)["compare-download"]["data"]["content"]
    assert "baseline" in content and "bravo-secret-run" not in content
    only_hidden = {**values, "runs": str(runs["bravo"])}
    response = post_callback(client_for("vic"), app, callback_key(app, DOWNLOAD), only_hidden)
    assert response.status_code == 204


def test_experiment_page_offers_its_runs_for_comparison(app, client_for, world, runs):
    values = {"experiment_id": str(world.alpha), "refresh": 0, "poll": None}
    body = _body(post_callback(client_for("vic"), app, callback_key(app, EXPERIMENT_LINK),
                               values))
    options = body["experiment-compare-runs"]["options"]
    assert {o["value"] for o in options} >= {runs["base"], runs["better"], runs["nofolds"]}
    assert runs["bravo"] not in {o["value"] for o in options}


def test_compare_link_in_the_navigation(app, client_for):
    page = client_for("vic").get("/compare?runs=1,2")
    assert page.status_code == 200
    from dashapp.shell import nav_entries

    assert "/compare" in [entry["path"] for entry in nav_entries()]
