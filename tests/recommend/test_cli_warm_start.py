# ruff: noqa: F811  (pytest fixtures imported from their modules, named as parameters)
"""`optunagui suggest SPEC --warm-start K`: the best configurations of the earlier runs the
command line's account may read, printed with their sources, in `--json`, and written into the
spec's ``warm_start`` by `--write`."""

from __future__ import annotations

import json

from optunagui.cli import main
from optunagui.spec.io import load_spec_file
from optunagui.store import create_experiment, create_user
from tests.recommend.stored import store_run
from tests.recommend.test_cli_suggest import IRIS, _cli_run, database, spec_file  # noqa: F401


def test_suggest_warm_start_prints_json_and_writes_the_spec(database, spec_file,  # noqa: F811
                                                            tmp_path, capsys):
    run_id = _cli_run(database)
    out = tmp_path / "out.yaml"
    assert main(["suggest", str(spec_file), "--warm-start", "3", "--write", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"warm start: the best 3 configurations of run {run_id}" in printed
    assert printed.count(f" of run {run_id}, ") == 3 and "[2] " in printed
    written = load_spec_file(out)
    assert written.warm_start is not None and len(written.warm_start) == 3
    assert main(["suggest", str(spec_file), "--warm-start", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)["warm_start"]
    assert [c["params"] for c in data["configs"]] == written.warm_start
    assert [c["run_id"] for c in data["configs"]] == [run_id] * 3
    values = [c["value"] for c in data["configs"]]
    assert values == sorted(values, reverse=True)
    # every written configuration fits the written (narrowed) ranges
    for config in written.warm_start:
        feature = written.space["max_features"]
        assert feature.low <= config.get("max_features", feature.low) <= feature.high


def test_suggest_warm_start_uses_no_run_the_command_line_may_not_read(
        database, spec_file, tmp_path, capsys):  # noqa: F811
    with database.session() as session:
        someone = create_user(session, "someone", "hash").id
        theirs = create_experiment(session, "theirs", someone).id
    store_run(database, theirs, someone, IRIS, n=50)
    out = tmp_path / "out.yaml"
    assert main(["suggest", str(spec_file), "--warm-start", "3", "--write", str(out)]) == 0
    assert "warm start: no earlier run to start from" in capsys.readouterr().out
    assert load_spec_file(out).warm_start is None


def test_suggest_warm_start_count_is_checked(database, spec_file, capsys):  # noqa: F811
    for bad in ("0", "51", "many"):
        try:
            main(["suggest", str(spec_file), "--warm-start", bad])
        except SystemExit as error:
            assert error.code == 2
        assert "--warm-start: expected a whole number from 1 to 50" in capsys.readouterr().err
