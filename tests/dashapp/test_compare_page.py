"""The compare page over HTTP: side by side, overlays, statistics with a verdict in words,
plain notes where fold scores are missing, downloads, and refusals that reveal nothing."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from dashapp.pages.compare import reevaluate as reevaluation
from dashapp.state import state
from optunagui.store import create_run, update_run_status, upsert_trials
from optunagui.store.experiments import set_baseline_run
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
    for secret in (f"{runs['base']} baseline", "bravo-secret-run", "planted", "accuracy",
                   "xgboost"):
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


# Re-evaluation over several seeds: real runs on a bundled dataset, a real objective.

REEVALUATE = "compare-reevaluate-feedback.children"
POLL = "compare-reevaluate-result.children@"


def write_real_run(database, experiment_id: int, name: str, created_by: int, C: float,
                   dataset: str = "breast_cancer") -> int:
    """A finished logistic-regression run whose best trial used ``C``."""
    spec = {"name": name, "dataset": {"builtin": dataset}, "model": "logistic_regression",
            "split": {"method": "stratified_kfold", "folds": 3, "seed": 0},
            "metrics": [{"name": "accuracy", "direction": "maximize"}],
            "space": {"C": {"type": "float", "low": 0.001, "high": 10.0, "log": True}}}
    rows = [{"number": i, "state": "complete", "values": [value], "params": {"C": c},
             "user_attrs": {"fold_scores": {"accuracy": [value] * 3}}}
            for i, (c, value) in enumerate([(C, 0.95), (C * 3, 0.90)])]
    with database.session() as session:
        run = create_run(session, experiment_id, name, spec, created_by=created_by)
        upsert_trials(session, run.id, rows)
        update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "completed")
        return run.id


@pytest.fixture
def real_runs(world, database) -> dict[str, int]:
    ed, otto = world.user_ids["ed"], world.user_ids["otto"]
    return {
        "strong": write_real_run(database, world.alpha, "strong", ed, 1.0),
        "twin": write_real_run(database, world.alpha, "twin", ed, 1.0),
        "weak": write_real_run(database, world.alpha, "weak", ed, 0.001),
        "iris": write_real_run(database, world.alpha, "on iris", ed, 1.0, dataset="iris"),
        "bravo": write_real_run(database, world.bravo, "bravo-secret-run", otto, 1.0),
    }


def _start(app, client, runs: str, seeds: Any = 2, include: Any = True):
    values = {"clicks": 1, "runs": runs, "include": include, "seeds": seeds}
    return post_callback(client, app, callback_key(app, REEVALUATE), values)


def _poll(app, client, job: Any):
    return post_callback(client, app, callback_key(app, POLL), {"tick": 1, "job": job})


def _reevaluation_jobs(app):
    return state(app.server).reevaluation_jobs


def _wait_for_jobs(app) -> None:
    jobs = _reevaluation_jobs(app)
    for job in jobs.jobs():
        assert not jobs.wait(job.key, 120).running


def test_reevaluation_starts_polls_and_shows_the_pooled_table(app, client_for, real_runs):
    client = client_for("vic")
    runs = f"{real_runs['strong']},{real_runs['twin']},{real_runs['weak']},{real_runs['iris']}"
    body = _body(_start(app, client, runs))
    assert body["compare-reevaluate-feedback"]["children"] is None
    job = body["compare-reevaluate-job"]["data"]
    assert job == {"runs": [real_runs[k] for k in ("strong", "twin", "weak", "iris")],
                   "baselines": [], "reference": None, "seeds": 2}
    _wait_for_jobs(app)
    body = _body(_poll(app, client, job))
    assert body["compare-reevaluate-poll"]["disabled"] is True
    shown = json.dumps(body["compare-reevaluate-result"]["children"], ensure_ascii=False)
    assert ("Re-evaluated over 2 seeds × 3 folds (6 paired accuracy scores per run)") in shown
    strong, twin = f"#{real_runs['strong']} strong", f"#{real_runs['twin']} twin"
    weak = f"#{real_runs['weak']} weak"
    assert shown.count(" vs ") == 3  # the iris run is left out
    assert f"{twin} vs {strong}" in shown and "Within noise" in shown
    assert f"{strong} beats {weak}" in shown
    assert (f"#{real_runs['iris']} on iris was not re-evaluated: it uses dataset iris, not "
            "breast_cancer") in shown


def test_reevaluation_compares_against_the_baseline(app, client_for, world, database,
                                                    real_runs):
    with database.session() as session:
        set_baseline_run(session, world.alpha, real_runs["weak"])
    client = client_for("vic")
    body = _body(_start(app, client, f"{real_runs['strong']},{real_runs['twin']}"))
    job = body["compare-reevaluate-job"]["data"]
    assert job["runs"][0] == real_runs["weak"] and job["reference"] == real_runs["weak"]
    _wait_for_jobs(app)
    shown = json.dumps(_body(_poll(app, client, job))["compare-reevaluate-result"]["children"])
    base = f"#{real_runs['weak']} weak (baseline)"
    assert shown.count(" vs ") == 2 and shown.count(f"vs {base}") == 2


@pytest.mark.parametrize("seeds", [1, 11, "abc", "2.5", None])
def test_reevaluation_refuses_bad_seed_counts(app, client_for, real_runs, seeds):
    runs = f"{real_runs['strong']},{real_runs['twin']}"
    body = _body(_start(app, client_for("vic"), runs, seeds=seeds))
    text = json.dumps(body["compare-reevaluate-feedback"]["children"], ensure_ascii=False)
    assert "Number of seeds: give a whole number from 2 to 10" in text
    assert body["compare-reevaluate-job"]["data"] is None
    assert not _reevaluation_jobs(app).jobs()  # nothing started


def test_reevaluation_needs_every_run_readable(app, client_for, real_runs):
    body = _body(_start(app, client_for("vic"), f"{real_runs['strong']},{real_runs['bravo']}"))
    raw = json.dumps(body)
    assert "needs every listed run to be one you may read" in raw
    assert "bravo-secret-run" not in raw and body["compare-reevaluate-job"]["data"] is None


def test_a_forged_job_shows_nothing_of_unreadable_runs(app, client_for, real_runs):
    owner = client_for("otto")
    job = _body(_start(app, owner, f"{real_runs['bravo']},{real_runs['bravo']}"))
    assert "at least two runs" in json.dumps(job)
    forged = {"runs": [real_runs["strong"], real_runs["bravo"]], "baselines": [], "seeds": 2}
    response = _poll(app, client_for("vic"), forged)
    body = _body(response)
    assert body["compare-reevaluate-result"]["children"] is None
    assert "bravo-secret-run" not in response.get_data(as_text=True)


def test_one_reevaluation_at_a_time(app, client_for, real_runs, monkeypatch):
    release = threading.Event()
    real = reevaluation.reevaluate

    def held(*args, **kwargs):
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(reevaluation, "reevaluate", held)
    client = client_for("vic")
    runs = f"{real_runs['strong']},{real_runs['twin']}"
    job = _body(_start(app, client, runs))["compare-reevaluate-job"]["data"]
    pending = _body(_poll(app, client, job))
    assert pending["compare-reevaluate-poll"]["disabled"] is False
    assert "Re-evaluating…" in json.dumps(pending, ensure_ascii=False)
    other = _body(_start(app, client, runs, seeds=3))
    assert "Another re-evaluation is running" in json.dumps(other)
    assert other["compare-reevaluate-job"]["data"] is None
    same = _body(_start(app, client, runs))  # the same request joins the running one
    assert same["compare-reevaluate-job"]["data"] == job
    release.set()
    _wait_for_jobs(app)
    done = _body(_poll(app, client, job))
    assert done["compare-reevaluate-poll"]["disabled"] is True
    assert "Re-evaluated over 2 seeds" in json.dumps(done, ensure_ascii=False)


@pytest.mark.parametrize(
    "job",
    [None, "1,2", {"runs": "1,2", "seeds": 2}, {"runs": [1, "x"], "seeds": 2},
     {"runs": [1, 2], "seeds": 1}, {"runs": [1, 2], "baselines": [3], "seeds": 2},
     {"runs": [1, 2], "baselines": [1], "reference": 2, "seeds": 2},
     {"runs": list(range(1, 40)), "seeds": 2}],
)
def test_a_malformed_job_is_ignored(app, client_for, real_runs, job):
    body = _body(_poll(app, client_for("vic"), job))
    assert body["compare-reevaluate-result"]["children"] is None
    assert body["compare-reevaluate-poll"]["disabled"] is True


def test_a_job_the_server_no_longer_knows_asks_to_start_again(app, client_for, real_runs):
    job = {"runs": [real_runs["strong"], real_runs["twin"]], "baselines": [], "seeds": 4}
    body = _body(_poll(app, client_for("vic"), job))
    assert "press Re-evaluate again" in json.dumps(body)
