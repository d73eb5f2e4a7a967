# ruff: noqa: F811  (pytest fixtures imported from their modules, named as parameters)
"""`POST /api/v1/suggest` with ``warm_start``: the best configurations of the earlier runs the
caller may read, in the answer and its spec; that spec launches through the runs endpoint, and
a bad warm start is refused there naming the field."""

from __future__ import annotations

import yaml

from optunagui.cli import main
from optunagui.spec.io import read_spec_file
from optunagui.store import accounts, get_run
from tests.dashapp.conftest import iris_spec
from tests.dashapp.test_api_client import server_url  # noqa: F401  (a fixture)
from tests.dashapp.test_api_suggest import earlier_run  # noqa: F401  (a fixture)
from tests.dashapp.test_api_writes import _post, bearer, submitted  # noqa: F401  (fixtures)


def _suggest(app, headers, **body):
    return _post(app, "/suggest", headers, {"spec": iris_spec("next", n_trials=20), **body})


def test_suggest_answers_the_best_configurations_and_puts_them_in_its_spec(
        app, world, bearer, earlier_run):  # noqa: F811
    answer = _suggest(app, bearer("vic"), warm_start=3)
    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    warm = found["warm_start"]
    assert warm["summary"] == f"the best 3 configurations of run {earlier_run}"
    values = [c["value"] for c in warm["configs"]]
    assert values == sorted(values, reverse=True) and len(values) == 3
    assert all(c["source"].endswith(f"of run {earlier_run}, {c['value']:.4g}")
               for c in warm["configs"])
    assert found["spec"]["warm_start"] == [c["params"] for c in warm["configs"]]
    c_range = found["spec"]["space"]["C"]
    assert all(c_range["low"] <= c["params"]["C"] <= c_range["high"] for c in warm["configs"])
    assert "warm_start" not in _suggest(app, bearer("vic")).get_json()["spec"]


def test_suggest_warm_start_reveals_nothing_without_a_role(app, world, bearer,  # noqa: F811
                                                           earlier_run):
    found = _suggest(app, bearer("otto"), warm_start=3).get_json()
    assert found["warm_start"]["configs"] == [] and found["warm_start"]["runs"] == []
    assert "warm_start" not in found["spec"]


def test_suggest_warm_start_count_is_checked(app, world, bearer):  # noqa: F811
    answer = _suggest(app, bearer("vic"), warm_start=51)
    assert answer.status_code == 422
    assert answer.get_json()["problems"][0]["field"] == "warm_start"


def test_a_spec_with_a_warm_start_launches_and_a_bad_one_is_named(
        app, world, database, bearer, earlier_run, submitted):  # noqa: F811
    ed = bearer("ed")
    spec = _suggest(app, ed, warm_start=2).get_json()["spec"]
    spec["split"] = {"method": "kfold", "folds": 3}
    launched = _post(app, f"/experiments/{world.alpha}/runs", ed, {"spec": spec})
    assert launched.status_code == 201, launched.get_json()
    run_id = launched.get_json()["id"]
    with database.session() as session:
        assert get_run(session, run_id).spec["warm_start"] == spec["warm_start"]
    assert submitted == [run_id]
    bad = {**iris_spec("bad", n_trials=5), "warm_start": [{"C": 400.0}]}
    refused = _post(app, f"/experiments/{world.alpha}/runs", ed, {"spec": bad})
    assert refused.status_code == 422
    problems = refused.get_json()["problems"]
    assert problems == [{"field": "spec.warm_start[0].C",
                         "message": "400 is outside 0.01..10"}]


def test_the_command_line_writes_the_warm_start_from_a_server(
        world, database, server_url, earlier_run, monkeypatch, tmp_path, capsys):  # noqa: F811
    spec_file, out = tmp_path / "next.yaml", tmp_path / "out.yaml"
    spec_file.write_text(yaml.safe_dump(iris_spec("next", n_trials=20)))
    for name, sees in (("vic", True), ("otto", False)):
        with database.session() as session:
            token = accounts.create_api_token(session, world.user_ids[name])[1]
        monkeypatch.setenv("OPTUNAGUI_TOKEN", token)
        assert main(["--server", server_url, "suggest", str(spec_file), "--warm-start", "2",
                     "--write", str(out)]) == 0
        printed = capsys.readouterr().out
        assert (f"warm start: the best 2 configurations of run {earlier_run}" in printed) is sees
        assert ("warm_start" in read_spec_file(out)) is sees
