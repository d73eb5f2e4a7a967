"""`optunagui suggest SPEC`: the diff against the spec's ranges with its source, and
`--write OUT.yaml`; locally from the runs the command line's account may read."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from optunagui.cli import main
from optunagui.cli._account import cli_user
from optunagui.spec.io import load_spec_file
from optunagui.store import Database, create_experiment, create_user
from tests.recommend.stored import store_run

IRIS = {"builtin": "iris"}
SPEC = {"name": "next", "dataset": IRIS, "model": "random_forest",
        "metrics": [{"name": "accuracy"}], "budget": {"n_trials": 30}}


@pytest.fixture
def database(tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "next.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def _cli_run(database) -> int:
    with database.session() as session:
        user_id = cli_user(session)
        experiment_id = create_experiment(session, "command line", user_id).id
    return store_run(database, experiment_id, user_id, IRIS, n=50)


def test_suggest_prints_the_diff_and_writes_the_spec(database, spec_file, tmp_path, capsys):
    run_id = _cli_run(database)
    assert main(["suggest", str(spec_file), "--write", str(tmp_path / "out.yaml")]) == 0
    out = capsys.readouterr().out
    assert f"suggestions from run {run_id}, 50 trials (same dataset)" in out
    assert re.search(r"max_features +float 0\.1 \.\. 1\.0  ->  float .*\[narrow\]", out)
    assert re.search(r"max_depth +int 2 \.\. 32 \(log\)  ->  fixed at \d+  \[fix\]", out)
    assert "never mattered" in out and f"wrote {tmp_path / 'out.yaml'}" in out
    written = load_spec_file(tmp_path / "out.yaml")
    features = written.space["max_features"]
    assert 0.1 <= features.low < 0.4 < features.high < 0.9
    assert written.name == "next" and written.budget.n_trials == 30


def test_suggest_takes_only_the_named_parameters(database, spec_file, tmp_path, capsys):
    _cli_run(database)
    assert main(["suggest", str(spec_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    changed = [p["name"] for p in data["params"] if p["changed"]]
    assert "max_features" in changed and len(changed) >= 2
    out = tmp_path / "only.yaml"
    assert main(["suggest", str(spec_file), "--only", "max_features", "--write", str(out)]) == 0
    assert list(yaml.safe_load(out.read_text())["space"]) == ["max_features"]
    assert main(["suggest", str(spec_file), "--only", "gamma"]) == 1
    assert "--only: no suggested change for gamma" in capsys.readouterr().err


def test_suggest_uses_no_run_the_command_line_may_not_read(database, spec_file, capsys):
    with database.session() as session:
        someone = create_user(session, "someone", "hash").id
        theirs = create_experiment(session, "theirs", someone).id
    store_run(database, theirs, someone, IRIS, n=50)
    assert main(["suggest", str(spec_file)]) == 0
    assert "no earlier run of random_forest you may read" in capsys.readouterr().out


def test_suggest_names_the_problems_of_the_spec(database, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**SPEC, "model": "nope"}))
    assert main(["suggest", str(bad)]) == 1
    assert "model" in capsys.readouterr().err
