"""Feature recommendations and "test dropping them" through the REST API and the command line:
a viewer starts and reads the recommendations (the planted noise flagged), an editor tests
dropping columns and reads the verdict, an outsider learns nothing, a viewer cannot start a
test; bad columns, code runs and runs without a complete trial are refused with a message."""

from __future__ import annotations

import json

import pytest

from dashapp.state import state
from optunagui.cli import main
from optunagui.store import create_run, update_run_status, upsert_trials
from tests.analysis.feature_data import NOISE, selection_spec, selection_trials, write_planted
from tests.dashapp.test_api_client import server_url  # noqa: F401  (a fixture)
from tests.dashapp.test_api_writes import _get, _post, bearer  # noqa: F401  (a fixture)

RUN = "/runs/{}/feature-recommendations"
ABLATION = "/runs/{}/feature-ablation"


def write_selection_run(database, experiment_id: int, created_by: int, spec, trials,
                        name: str = "selection-run") -> int:
    with database.session() as session:
        run = create_run(session, experiment_id, name, spec, created_by=created_by)
        upsert_trials(session, run.id, trials)
        update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "completed")
        return run.id


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


def test_viewer_starts_and_reads_the_recommendations(app, world, bearer, selection_run,  # noqa: F811
                                                     jobs):
    vic = bearer("vic")
    assert _get(app, RUN.format(selection_run), vic).get_json()["status"] == "none"
    started = _post(app, RUN.format(selection_run), vic, None)
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["status"] in ("running", "done")
    _finish(jobs)
    answer = _get(app, RUN.format(selection_run), vic).get_json()
    assert answer["status"] == "done", answer
    result = answer["result"]
    assert set(NOISE) <= set(result["drop"]) and result["trials"] == [1, 0]
    noise = next(c for c in result["columns"] if c["column"] == "noise1")
    assert noise["verdict"] == "negligible" and set(noise["permutation"]) == {"1", "0"}
    assert {"mean", "low", "high", "min", "max", "n"} <= set(noise["effect"])
    assert answer["message"] == result["summary"]


def test_outsider_gets_nothing_and_a_viewer_cannot_start_a_test(app, world, bearer,  # noqa: F811
                                                                selection_run, jobs):
    otto = bearer("otto")
    for path in (RUN, ABLATION):
        assert _get(app, path.format(selection_run), otto).status_code == 404
    assert _post(app, RUN.format(selection_run), otto, None).status_code == 404
    assert _post(app, ABLATION.format(selection_run), otto, {"drop": ["noise1"]}
                 ).status_code == 404
    refused = _post(app, ABLATION.format(selection_run), bearer("vic"), {"drop": ["noise1"]})
    assert refused.status_code == 403
    experiment = f"/experiments/{world.alpha}/feature-recommendations"
    assert _get(app, experiment, otto).status_code == 404
    assert _post(app, experiment, otto, None).status_code == 404
    assert jobs.jobs() == []  # nothing was started for anyone


def test_editor_tests_dropping_noise_and_reads_the_verdict(app, world, bearer, selection_run,  # noqa: F811
                                                           jobs):
    ed = bearer("ed")
    started = _post(app, ABLATION.format(selection_run), ed, {"drop": list(NOISE)})
    assert started.status_code == 202, started.get_json()
    _finish(jobs)
    answer = _get(app, ABLATION.format(selection_run), bearer("vic")).get_json()
    assert answer["status"] == "done", answer
    assert "Dropping noise1, noise2 changes accuracy by" in answer["message"]
    assert "no detectable loss — drop them" in answer["message"]
    result = answer["result"]
    assert result["advice"] == "drop" and result["trial_number"] == 1
    assert len(result["with_all"]) == len(result["without"]) == 6
    assert result["comparison"]["n"] == 6


def test_bad_columns_code_runs_and_runs_without_trials_are_refused(app, world, bearer,  # noqa: F811
                                                                   database, selection_run,
                                                                   jobs):
    ed = bearer("ed")
    unknown = _post(app, ABLATION.format(selection_run), ed, {"drop": ["nope"]})
    assert unknown.status_code == 422
    assert "'nope' is not an input column" in unknown.get_json()["error"]
    assert unknown.get_json()["problems"][0]["field"] == "drop"
    every = ["x1", "x2", "noise1", "noise2", "color", "x1_copy", "x2_near", "tint"]
    assert _post(app, ABLATION.format(selection_run), ed, {"drop": every}).status_code == 422
    empty = write_selection_run(database, world.alpha, world.user_ids["ed"],
                                selection_spec("selection.csv"), [], name="empty")
    refused = _post(app, RUN.format(empty), ed, None)
    assert refused.status_code == 409 and "no complete trial" in refused.get_json()["error"]
    code = selection_spec("selection.csv", model=None, objective={"function": "t.py:f"})
    code_run = write_selection_run(database, world.alpha, world.user_ids["ed"], code,
                                   selection_trials(), name="code")
    refused = _get(app, RUN.format(code_run), ed)
    assert refused.status_code == 409 and "your own code" in refused.get_json()["error"]
    assert jobs.jobs() == []


def test_experiment_recommendations_join_its_runs(app, world, bearer, selection_run, jobs):  # noqa: F811
    vic = bearer("vic")
    path = f"/experiments/{world.alpha}/feature-recommendations"
    assert _post(app, path, vic, None).status_code == 202
    _finish(jobs)
    answer = _get(app, path, vic).get_json()
    assert answer["status"] == "done", answer
    assert answer["result"]["runs"] == [selection_run]
    assert set(NOISE) <= set(answer["result"]["drop"])
    assert any(str(world.run_id) in label for label in answer["result"]["left_out"])


def test_cli_recommends_and_ablates_on_the_local_database(cli_db, tmp_settings, capsys):
    path = write_planted(tmp_settings.data_dir)
    with cli_db.session() as session:
        from tests.factories import add_experiment
        experiment = add_experiment(session)[1].id
    run_id = write_selection_run(cli_db, experiment, None, selection_spec(path),
                                 selection_trials())
    assert main(["features", "recommend", str(run_id), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(NOISE) <= set(document["drop"])
    assert main(["features", "recommend", str(run_id)]) == 0
    text = capsys.readouterr().out
    assert "Could drop" in text and "negligible" in text
    assert main(["features", "ablate", str(run_id), "--drop", "noise1", "noise2"]) == 0
    assert "no detectable loss — drop them" in capsys.readouterr().out
    assert main(["features", "ablate", str(run_id), "--drop", "nope"]) == 1
    assert "'nope' is not an input column" in capsys.readouterr().err
    assert main(["features", "recommend", "--experiment", str(experiment), "--json"]) == 0
    assert set(NOISE) <= set(json.loads(capsys.readouterr().out)["drop"])
    assert main(["features", "recommend"]) == 1
    assert "give a RUN_ID or --experiment ID" in capsys.readouterr().err


def test_client_and_remote_cli_test_dropping_the_recommended_columns(
        world, database, selection_run, jobs, server_url, monkeypatch, capsys):  # noqa: F811
    from optunagui.client import ApiError, Client
    from optunagui.store import accounts

    def token(name: str) -> str:
        with database.session() as session:
            return accounts.create_api_token(session, world.user_ids[name], label="t")[1]

    with pytest.raises(ApiError) as refused:
        Client(server_url, token("otto")).start_feature_recommendations(selection_run)
    assert refused.value.status == 404
    monkeypatch.setenv("OPTUNAGUI_TOKEN", token("ed"))
    assert main(["--server", server_url, "features", "ablate", str(selection_run),
                 "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(NOISE) <= set(document["drop"]) and document["advice"] in ("drop", "keep")
    client = Client(server_url, token("vic"))
    assert client.feature_recommendations(selection_run)["status"] == "done"
    assert client.feature_ablation(selection_run)["result"]["drop"] == document["drop"]
