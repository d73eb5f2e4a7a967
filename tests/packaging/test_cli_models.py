"""`optunagui train-best` numbers a model version per call; `optunagui models` lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optunagui.cli import main
from optunagui.config import load_settings
from optunagui.store.models import list_model_versions
from tests.factories import timed, write_run

SPEC = {
    "name": "iris versions",
    "dataset": {"builtin": "iris"},
    "task": "classification",
    "model": "logistic_regression",
    "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
    "metrics": [{"name": "accuracy"}],
    "split": {"method": "stratified_kfold", "folds": 2},
    "budget": {"n_trials": 5},
}
TRIALS = [
    {"number": 0, "state": "complete", "values": [0.9], "params": {"C": 0.5}},
    {"number": 1, "state": "complete", "values": [0.96], "params": {"C": 2.0}},
    {"number": 2, "state": "pruned", "values": [0.97], "params": {"C": 0.02}},
]
TRAIN_BEST_KEYS = {"run_id", "trial_number", "params", "test_metric", "test_score",
                   "test_scores", "n_test_rows", "model_path", "model_format"}


@pytest.fixture
def settings(tmp_settings, db, database_url, monkeypatch):
    """The data directory of tmp_settings on each database backend."""
    monkeypatch.setenv("OPTUNAGUI_DATABASE_URL", database_url)
    return load_settings()


def _write_run(db, trials=TRIALS) -> int:
    return write_run(db, SPEC, trials=timed(trials))


def _json_out(capsys) -> dict | list:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_two_train_best_calls_make_versions_one_and_two(settings, db, capsys):
    run_id = _write_run(db)

    assert main(["train-best", str(run_id), "--json"]) == 0
    first = _json_out(capsys)
    assert main(["train-best", str(run_id), "--json"]) == 0
    second = _json_out(capsys)

    assert set(first) == TRAIN_BEST_KEYS | {"version", "package_path", "package_zip"}
    assert (first["version"], second["version"]) == (1, 2)
    assert (first["trial_number"], first["params"]) == (1, {"C": 2.0})
    models = settings.runs_dir / str(run_id) / "models"
    assert (first["package_path"], second["package_path"]) == (str(models / "v1"),
                                                               str(models / "v2"))
    for document in (first, second):
        manifest = json.loads((Path(document["package_path"]) / "model.json").read_text())
        assert manifest["version"] == document["version"]
        assert (manifest["run_id"], manifest["run_name"]) == (run_id, "tuning")
        assert manifest["validation_metrics"] == {"accuracy": 0.96}
        assert manifest["test_metrics"]["accuracy"] == document["test_score"]
        assert (Path(document["package_path"]) / "predict.py").is_file()
    assert Path(first["model_path"]).is_file() and first["package_zip"] is None
    with db.session() as session:
        rows = list_model_versions(session, run_id)
        assert [(r.version, r.trial_number, r.path) for r in rows] == [
            (1, 1, first["package_path"]), (2, 1, second["package_path"])]
        assert rows[0].metrics == first["test_scores"]

    assert main(["models", str(run_id), "--json"]) == 0
    listed = _json_out(capsys)
    assert [(v["version"], v["trial_number"], v["path"], v["exists"]) for v in listed] == [
        (1, 1, first["package_path"], True), (2, 1, second["package_path"], True)]
    assert [v["test_score"] for v in listed] == [first["test_score"], second["test_score"]]
    assert listed[0]["test_metric"] == "accuracy"

    assert main(["models", str(run_id)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["version", "trial", "test", "accuracy"]
    assert lines[1].split()[:3] == ["v1", "1", f"{first['test_score']:.6g}"]
    assert lines[2].split()[0] == "v2" and lines[2].endswith(second["package_path"])


def test_train_best_zip_writes_the_archive_and_says_where(settings, db, capsys):
    run_id = _write_run(db)

    assert main(["train-best", str(run_id), "--zip"]) == 0

    out = capsys.readouterr().out
    archive = settings.runs_dir / str(run_id) / "models" / "v1.zip"
    assert archive.is_file()
    assert f"model version 1 packaged in {archive.with_suffix('')} and {archive}" in out


def test_a_run_without_complete_trials_makes_no_version(settings, db, capsys):
    run_id = _write_run(db, trials=[TRIALS[2]])

    assert main(["train-best", str(run_id)]) == 1
    err = capsys.readouterr().err
    assert "has no complete trial to train (queued)" in err and "Traceback" not in err
    assert not (settings.runs_dir / str(run_id) / "models").exists()

    assert main(["models", str(run_id)]) == 0
    assert f"run {run_id} has no model versions yet" in capsys.readouterr().out
    assert main(["models", str(run_id), "--json"]) == 0
    assert _json_out(capsys) == []


def test_models_of_an_unknown_run_is_a_clear_error(settings, capsys):
    assert main(["models", "404"]) == 1
    err = capsys.readouterr().err
    assert "run 404 does not exist" in err and "Traceback" not in err


def test_a_package_that_cannot_be_written_leaves_no_version(settings, db, capsys):
    run_id = _write_run(db)
    stray = settings.runs_dir / str(run_id) / "models" / "v1" / "notes.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("kept")

    assert main(["train-best", str(run_id)]) == 1
    err = capsys.readouterr().err
    assert f"run {run_id}: cannot package the model" in err and "already holds files" in err
    assert stray.read_text() == "kept"
    with db.session() as session:
        assert list_model_versions(session, run_id) == []

    stray.unlink()
    assert main(["train-best", str(run_id), "--json"]) == 0
    assert _json_out(capsys)["version"] == 1
