"""`POST /api/v1/suggest`: ranges from the earlier runs the caller may read, never from
another experiment's; the spec checked as /specs/validate checks it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from optunagui.cli import main
from optunagui.spec.io import read_spec_file
from optunagui.spec.validation import validate_spec
from optunagui.store import accounts, create_run, upsert_trials
from tests.dashapp.conftest import iris_spec
from tests.dashapp.test_api_client import server_url  # noqa: F401  (a fixture)
from tests.dashapp.test_api_writes import _post, bearer  # noqa: F401  (a fixture)


@pytest.fixture
def earlier_run(world, database) -> int:
    """A finished run in Alpha on iris whose best trials have C near 1."""
    spec = validate_spec(iris_spec("earlier", n_trials=60)).to_dict()
    rng = np.random.default_rng(0)
    rows = []
    for number in range(60):
        c = float(math.exp(rng.uniform(math.log(0.01), math.log(10.0))))
        weight = [None, "balanced"][number % 2]
        rows.append({"number": number, "state": "complete", "params": {"C": c,
                     "class_weight": weight}, "values": [-abs(math.log(c))]})
    with database.session() as session:
        run = create_run(session, world.alpha, "alpha-tuned-run", spec,
                         created_by=world.user_ids["ed"])
        upsert_trials(session, run.id, rows)
        return run.id


def _suggest(app, headers, body):
    return _post(app, "/suggest", headers, body)


def test_suggest_answers_ranges_from_a_run_the_caller_may_read(app, world, bearer,  # noqa: F811
                                                               earlier_run):
    for reader in ("olivia", "vic"):
        answer = _suggest(app, bearer(reader), {"spec": iris_spec("next", n_trials=20)})
        assert answer.status_code == 200, answer.get_json()
        found = answer.get_json()
        assert found["source"] == f"from run {earlier_run}, 60 trials (same dataset)"
        assert [(r["id"], r["name"]) for r in found["runs"]] == [(earlier_run, "alpha-tuned-run")]
        c = {p["name"]: p for p in found["params"]}["C"]
        assert c["change"] == "narrow" and c["changed"]
        assert 0.01 < c["suggested"]["low"] < 1.0 < c["suggested"]["high"] < 10.0
        assert found["spec"]["space"]["C"] == c["suggested"]


def test_suggest_reveals_nothing_of_an_experiment_without_a_role(app, world, bearer,  # noqa: F811
                                                                  earlier_run):
    answer = _suggest(app, bearer("otto"), {"spec": iris_spec("next", n_trials=20)})
    assert answer.status_code == 200
    found = answer.get_json()
    assert found["runs"] == [] and found["match"] is None and found["n_trials"] == 0
    assert found["source"].startswith("no earlier run of logistic_regression")
    assert found["params"] == [] and found["spec"]["space"]["C"]["high"] == 10.0
    assert "alpha-tuned-run" not in answer.get_data(as_text=True)


def test_suggest_takes_only_the_named_parameters_and_names_an_unknown_one(
        app, world, bearer, earlier_run):  # noqa: F811
    olivia = bearer("olivia")
    none_taken = _suggest(app, olivia, {"spec": iris_spec("next", n_trials=20), "params": []})
    assert none_taken.get_json()["spec"]["space"]["C"]["low"] == 0.01
    unknown = _suggest(app, olivia, {"spec": iris_spec("next", n_trials=20), "params": ["gamma"]})
    assert unknown.status_code == 422
    assert unknown.get_json()["problems"][0]["field"] == "params"
    assert "gamma" in unknown.get_json()["error"]


def test_suggest_names_every_problem_of_the_spec(app, world, bearer):  # noqa: F811
    spec = {**iris_spec("bad", n_trials=5), "model": "nope"}
    answer = _suggest(app, bearer("olivia"), {"spec": spec})
    assert answer.status_code == 422
    assert [p["field"] for p in answer.get_json()["problems"]] == ["spec.model"]


def test_suggest_is_in_the_openapi_document(app):
    document = app.server.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/suggest"]["post"]
    assert operation["operationId"] == "suggest"


def test_the_command_line_asks_a_server_as_the_token_s_user(
        world, database, server_url, earlier_run, monkeypatch, tmp_path, capsys):  # noqa: F811
    spec_file, out = tmp_path / "next.yaml", tmp_path / "out.yaml"
    spec_file.write_text(yaml.safe_dump(iris_spec("next", n_trials=20)))
    for name, sees in (("vic", True), ("otto", False)):
        with database.session() as session:
            token = accounts.create_api_token(session, world.user_ids[name])[1]
        monkeypatch.setenv("OPTUNAGUI_TOKEN", token)
        assert main(["--server", server_url, "suggest", str(spec_file), "--write", str(out)]) == 0
        printed = capsys.readouterr().out
        assert (f"from run {earlier_run}, 60 trials" in printed) is sees
        written = read_spec_file(out)["space"]["C"]
        assert (written["low"] > 0.01 and written["high"] < 10.0) is sees
    assert main(["--server", server_url, "suggest", str(spec_file), "--only", "gamma"]) == 1
    assert "gamma" in capsys.readouterr().err
