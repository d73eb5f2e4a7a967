"""A run's exports: best parameters, re-runnable spec and the trials table, on both databases."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
import yaml

from optunagui.cli import main
from optunagui.exports import (
    ExportError,
    best_params_document,
    spec_yaml,
    trials_bytes,
    trials_frame,
)
from optunagui.spec.io import load_spec_file
from optunagui.store import Database
from tests.factories import T0, timed, write_run

SPEC = {
    "name": "exports",
    "dataset": {"builtin": "iris"},
    "model": "random_forest",
    "space": {
        "n_estimators": {"type": "int", "low": 10, "high": 200},
        "max_features": {"type": "categorical", "choices": ["sqrt", 0.5, None]},
        "max_depth": {"type": "int", "low": 2, "high": 12},
    },
    "metrics": [{"name": "accuracy"}, {"name": "log_loss", "direction": "minimize"}],
    "split": {"method": "stratified_kfold", "folds": 3},
    "budget": {"n_trials": 10},
}
TRIALS = [
    {"number": 0, "state": "complete", "values": [0.91, 0.2],
     "params": {"n_estimators": 50, "max_features": "sqrt", "max_depth": 4}, "last_step": 2},
    {"number": 1, "state": "complete", "values": [0.95, 0.4],
     "params": {"n_estimators": 120, "max_features": 0.5, "max_depth": 9}, "last_step": 2},
    {"number": 2, "state": "pruned", "values": [0.5, 0.1],
     "params": {"n_estimators": 10, "max_features": None, "max_depth": 2}, "last_step": 0},
    {"number": 3, "state": "failed", "values": None,
     "params": {"n_estimators": 30}, "error": "ValueError: boom"},
    {"number": 4, "state": "running", "params": {"n_estimators": 70, "max_depth": 3}},
]


def _write_run(db: Database, trials=TRIALS) -> int:
    return write_run(db, SPEC, trials=timed(trials, duration_s=3.0, worker="w1"))


def test_best_params_document_names_the_best_trial_and_its_metrics(db):
    run_id = _write_run(db)
    with db.session() as session:
        document = best_params_document(session, run_id)
    assert document["trial_number"] == 1
    assert document["params"] == {"n_estimators": 120, "max_features": 0.5, "max_depth": 9}
    assert document["metrics"] == {"accuracy": 0.95, "log_loss": 0.4}
    assert (document["run_id"], document["model"]) == (run_id, "random_forest")


def test_spec_yaml_loads_back_as_the_same_spec(db, tmp_path):
    run_id = _write_run(db)
    with db.session() as session:
        text = spec_yaml(session, run_id)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    loaded = load_spec_file(path)
    assert loaded.model == "random_forest"
    assert loaded.dataset.builtin == "iris"
    assert loaded.space["max_features"].choices == ["sqrt", 0.5, None]
    assert loaded.space["n_estimators"].high == 200
    assert [m.name for m in loaded.metrics] == ["accuracy", "log_loss"]
    assert text.startswith(f"# Run {run_id} (tuning)")


def test_trials_table_has_one_row_per_trial_with_values_params_and_steps(db):
    run_id = _write_run(db)
    with db.session() as session:
        frame = trials_frame(session, run_id)
    assert list(frame["number"]) == [0, 1, 2, 3, 4]
    assert list(frame["state"]) == ["complete", "complete", "pruned", "failed", "running"]
    assert frame.loc[1, "values_accuracy"] == 0.95
    assert frame.loc[1, "values_log_loss"] == 0.4
    assert pd.isna(frame.loc[3, "values_accuracy"])
    assert frame.loc[1, "params_n_estimators"] == 120
    assert pd.isna(frame.loc[3, "params_max_depth"])  # a parameter the trial never reached
    assert list(frame["steps"].astype("float").fillna(-1)) == [3, 3, 1, -1, -1]
    assert frame.loc[3, "error"] == "ValueError: boom"
    assert frame.loc[0, "started_at"] == pd.Timestamp(T0)
    assert list(frame.columns[:5]) == ["number", "state", "values_accuracy",
                                       "values_log_loss", "params_n_estimators"]


def test_csv_and_parquet_hold_the_same_rows(db):
    run_id = _write_run(db)
    with db.session() as session:
        csv = pd.read_csv(io.BytesIO(trials_bytes(session, run_id, "csv")))
        parquet = pd.read_parquet(io.BytesIO(trials_bytes(session, run_id, "parquet")))
    for table in (csv, parquet):
        assert len(table) == 5
        assert list(table["params_n_estimators"]) == [50, 120, 10, 30, 70]
        assert table.loc[1, "values_accuracy"] == 0.95
    # A categorical mixing text and numbers stays readable in both.
    assert list(parquet["params_max_features"][:2]) == ["sqrt", "0.5"]
    assert list(csv["params_max_features"][:2]) == ["sqrt", "0.5"]


def test_exports_say_what_is_wrong(db):
    with db.session() as session:
        with pytest.raises(ExportError, match="run 404 does not exist"):
            best_params_document(session, 404)
        with pytest.raises(ExportError, match="run 404 does not exist"):
            trials_frame(session, 404)
    run_id = _write_run(db, trials=[TRIALS[3]])
    with db.session() as session:
        with pytest.raises(ExportError, match=f"run {run_id} has no complete trial yet"):
            best_params_document(session, run_id)
        with pytest.raises(ExportError, match="format: expected one of csv, parquet"):
            trials_bytes(session, run_id, "xlsx")


def test_an_empty_run_exports_an_empty_table_with_its_columns(db):
    run_id = _write_run(db, trials=[])
    with db.session() as session:
        table = pd.read_csv(io.BytesIO(trials_bytes(session, run_id, "csv")))
    assert table.empty
    assert "params_max_depth" in table.columns and "values_accuracy" in table.columns


def test_cli_export(tmp_settings, tmp_path, capsys):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    run_id = _write_run(database)
    database.dispose()

    assert main(["export", str(run_id), "params"]) == 0
    assert json.loads(capsys.readouterr().out)["trial_number"] == 1
    assert main(["export", str(run_id), "spec"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["model"] == "random_forest"
    target = tmp_path / "trials.parquet"
    assert main(["export", str(run_id), "trials", "--format", "parquet", "-o", str(target)]) == 0
    assert len(pd.read_parquet(target)) == 5

    assert main(["export", str(run_id), "trials", "--format", "parquet"]) == 1
    assert "--output: Parquet is binary" in capsys.readouterr().err
    assert main(["export", "404", "params"]) == 1
    assert "run 404 does not exist" in capsys.readouterr().err


FORMULA_SPEC = {**SPEC, "space": {
    "kernel": {"type": "categorical",
               "choices": ['=HYPERLINK("http://evil.example","x")', "+1+1", "@SUM(A1)",
                           "\tTAB", "\rCR", "-2+3", "plain"]},
    "shift": {"type": "float", "low": -5.0, "high": 5.0},
}}
FORMULA_TRIALS = [
    {"number": n, "state": "complete", "values": [-0.25, 0.1],
     "params": {"kernel": choice, "shift": -1.5}}
    for n, choice in enumerate(FORMULA_SPEC["space"]["kernel"]["choices"])
] + [{"number": 7, "state": "failed", "params": {"kernel": "-1.5", "shift": -2.0},
      "error": "=cmd|' /C calc'!A0"}]


def test_csv_cells_that_would_start_a_spreadsheet_formula_are_neutralised(db):
    run_id = write_run(db, FORMULA_SPEC, trials=timed(FORMULA_TRIALS, duration_s=1.0,
                                                       worker="-w1"))
    with db.session() as session:
        data = trials_bytes(session, run_id, "csv")
        parquet = pd.read_parquet(io.BytesIO(trials_bytes(session, run_id, "parquet")))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    table = pd.DataFrame(rows)
    assert list(table["params_kernel"]) == [
        '\'=HYPERLINK("http://evil.example","x")', "'+1+1", "'@SUM(A1)", "'\tTAB", "'\rCR",
        "'-2+3", "plain", "-1.5"]
    assert table.loc[7, "error"] == "'=cmd|' /C calc'!A0"
    assert set(table["worker"]) == {"'-w1"}
    # Numbers, negative ones included, stay numbers that a spreadsheet sums.
    assert list(table["params_shift"]) == ["-1.5"] * 7 + ["-2.0"]
    assert table.loc[0, "values_accuracy"] == "-0.25"
    assert b"'-1.5" not in data and b"'-0.25" not in data
    # Parquet keeps every value as stored.
    assert parquet.loc[0, "params_kernel"].startswith("=HYPERLINK")
