"""`optunagui similar SPEC|--run ID` and `optunagui run SPEC` refusing a near-duplicate unless
`--launch-anyway`; locally, from the runs the command line's account may read."""

from __future__ import annotations

import argparse
import json

import pytest
import yaml

from optunagui.cli import main
from optunagui.cli._account import cli_user
from optunagui.cli._new_runs import create_spec_run
from optunagui.store import Database, create_experiment, create_user, get_run
from tests.recommend.stored import store_run

IRIS = {"builtin": "iris"}
SPEC = {"name": "again", "dataset": IRIS, "model": "random_forest",
        "metrics": [{"name": "accuracy"}], "budget": {"n_trials": 5}}


@pytest.fixture
def database(tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def _cli_experiment(database) -> tuple[int, int]:
    with database.session() as session:
        user_id = cli_user(session)
        return create_experiment(session, "command line", user_id).id, user_id


def test_similar_prints_runs_the_verdict_and_unexplored_regions(database, spec_file, capsys):
    experiment_id, user_id = _cli_experiment(database)
    narrow = store_run(database, experiment_id, user_id, IRIS, n=20,
                       space={"max_features": {"type": "float", "low": 0.1, "high": 0.5}})
    twin = store_run(database, experiment_id, user_id, IRIS, n=12)
    assert main(["similar", str(spec_file)]) == 0
    out = capsys.readouterr().out
    assert f"{spec_file}: 2 similar runs of 2 compared" in out
    assert f"run {twin:<5} score 1.00" in out and "near-duplicate" in out
    assert "near-duplicate: You ran this on " in out
    assert f"after 12 trials (run {twin} in experiment command line)" in out
    assert f"run {narrow:<5}" in out

    assert main(["similar", "--run", str(twin), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in data["runs"]] == [narrow]
    assert data["near_duplicate"] is False and data["compared"] == 1
    assert {u["name"] for u in data["unexplored"]} >= {"max_features"}


def test_similar_refuses_a_run_the_account_may_not_read_and_bad_arguments(database, spec_file,
                                                                          capsys):
    with database.session() as session:
        other = create_user(session, "olivia", "hash").id
        elsewhere = create_experiment(session, "Hers", other).id
    run_id = store_run(database, elsewhere, other, IRIS)
    assert main(["similar", "--run", str(run_id)]) == 1
    assert f"--run: run {run_id}: no such run, or not one you may read" in capsys.readouterr().err
    assert main(["similar"]) == 2
    assert main(["similar", str(spec_file), "--run", "1"]) == 2
    assert main(["similar", str(spec_file), "--limit", "-1"]) == 2
    assert main(["similar", str(spec_file)]) == 0
    assert "0 similar runs of 0 compared" in capsys.readouterr().out


def _args(spec_file, **changes) -> argparse.Namespace:
    values = {"spec": str(spec_file), "n_trials": None, "sampler": None, "pruner": None,
              "max_concurrent": None, "experiment": "command line", "study_name": None,
              "launch_anyway": False, **changes}
    return argparse.Namespace(**values)


def test_run_refuses_a_near_duplicate_unless_launch_anyway(database, spec_file, capsys):
    experiment_id, user_id = _cli_experiment(database)
    twin = store_run(database, experiment_id, user_id, IRIS, n=3)
    assert main(["run", str(spec_file)]) == 1
    err = capsys.readouterr().err
    assert "nearly duplicates an earlier run" in err
    assert f"after 3 trials (run {twin} in experiment command line)" in err
    assert "--launch-anyway" in err
    with database.session() as session:
        assert get_run(session, twin + 1) is None  # nothing was created
    run_id = create_spec_run(database, _args(spec_file, launch_anyway=True))
    assert run_id == twin + 1
    # Another user's identical run is no near-duplicate for the command line's account.
    with database.session() as session:
        other = create_user(session, "olivia", "hash").id
        elsewhere = create_experiment(session, "Hers", other).id
    store_run(database, elsewhere, other, IRIS, n=3, metrics=[{"name": "f1_macro"}])
    changed = spec_file.with_name("f1.yaml")
    changed.write_text(yaml.safe_dump({**SPEC, "metrics": [{"name": "f1_macro"}]}))
    assert create_spec_run(database, _args(changed)) == run_id + 2
