"""A run's pipeline log: every step from the dataset to the control events, and its command."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from optunagui import store
from optunagui.cli import main
from optunagui.cli.cmd_pipeline import format_pipeline
from optunagui.datasets import load_builtin
from optunagui.pipeline import pipeline_log
from optunagui.store import Database
from optunagui.store.runs import set_run_environment
from tests.factories import add_experiment, add_run
from tests.reports.report_data import write_run

KEYS = ["run", "dataset", "features", "split", "model", "search", "trials", "environment",
        "environment", "control"]


def _planted(db: Database) -> tuple[int, int]:
    """The report tests' finished run, with two driver starts and three control requests."""
    with db.session() as session:
        ada, experiment = add_experiment(session, "pipelines")
        bob = store.create_user(session, "bob", "!")
        experiment_id = experiment.id
        store.set_member_role(session, experiment_id, bob.id, "editor")
        ada_id, bob_id = ada.id, bob.id
    run_id = write_run(db, experiment_id, ada_id, "depth sweep", n_trials=10)
    with db.session() as session:
        run = store.get_run(session, run_id)
        run.spec = {**run.spec, "features": {
            "exclude": ["sepal width (cm)"], "transforms": {"petal length (cm)": "log1p"},
            "applied": {"petal length (cm)": "log1p", "petal width (cm)": "impute_median"},
            "rows_without_target": 2},
                    "quick": True}
        set_run_environment(session, run_id, packages={"python": "3.12.1", "optuna": "4.1.0"},
                            cluster={"resources": {"CPU": 8.0, "GPU": 1.0}, "nodes": 2},
                            at=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
        set_run_environment(session, run_id, packages={"python": "3.12.1", "optuna": "4.2.0"},
                            cluster={"resources": {"CPU": 4.0}, "nodes": 1},
                            at=datetime(2026, 4, 1, 10, 0, tzinfo=UTC))
        # A refused request that carries its requester, then bob's pause, the latest request.
        store.append_events(session, run_id, [{"kind": "control", "metrics": {
            "request_id": "r2", "kind": "ranges", "status": "refused", "requested_by": ada_id,
            "error": "max_depth: low above high"}}])
        run.status = "running"
        request = store.request_control(session, run_id, "pause", requested_by=bob_id)
        store.append_events(session, run_id, [{"kind": "control", "metrics": {
            "request_id": request["id"], "kind": "pause", "status": "pausing"}}])
        run.control_ack_id = request["id"]
        run.status = "completed"
    return run_id, experiment_id


@pytest.fixture
def planted(db: Database) -> int:
    return _planted(db)[0]


def _by_key(steps):
    return {step["key"]: step["fields"] for step in steps}


def test_pipeline_steps_come_in_the_order_of_the_chain(db: Database, planted: int) -> None:
    with db.session() as session:
        steps = pipeline_log(session, planted)
    assert [s["key"] for s in steps] == KEYS
    assert all(s["title"] and isinstance(s["fields"], dict) for s in steps)
    json.dumps(steps)  # plain data throughout


def test_pipeline_states_dataset_features_split_and_search(db: Database, planted: int) -> None:
    with db.session() as session:
        fields = _by_key(pipeline_log(session, planted))
    assert fields["run"]["name"] == "depth sweep" and fields["run"]["created_by"] == "ada"
    assert fields["run"]["quick"] is True and fields["run"]["status"] == "completed"
    assert fields["dataset"]["source"] == "built-in iris"
    assert fields["dataset"]["version"] == load_builtin("iris").sha256
    assert fields["dataset"]["shape"] == "150 rows × 5 columns"
    assert fields["features"] == {
        "excluded": ["sepal width (cm)"], "transforms": {"petal length (cm)": "log1p"},
        "applied": {"petal length (cm)": "log1p: missing values → median, then sign(x)·log(1+|x|)",
                    "petal width (cm)": "impute_median: missing values → median, otherwise as is"},
        "rows_without_target": 2}
    assert fields["split"] == {"method": "stratified_kfold", "folds": 5, "test_size": 0.2,
                               "seed": 3, "shuffle": True, "group": None}
    search = fields["search"]
    assert (search["sampler"], search["sampler_seed"]) == ("random", 0)
    assert search["pruner"] == {"name": "asha"}
    assert search["n_trials"] == 30 and search["max_concurrent"] == 2
    assert search["quick"] is True and "2,000 rows" in search["quick_subsample"]


def test_pipeline_model_has_the_final_space_and_its_changes(db: Database, planted: int) -> None:
    with db.session() as session:
        model = _by_key(pipeline_log(session, planted))["model"]
    assert (model["family"], model["preset"]) == ("random_forest", "default")
    assert model["metrics"] == ["accuracy (maximize)"]
    assert model["initial_space"]["max_depth"] == {"type": "int", "low": 2, "high": 8}
    assert model["final_space"]["max_depth"] == {"type": "int", "low": 2, "high": 12}
    # Only applied range changes count; the planted event has no old/new detail.
    assert len(model["space_changes"]) == 1


def test_pipeline_trials_match_the_store(db: Database, planted: int) -> None:
    with db.session() as session:
        trials = _by_key(pipeline_log(session, planted))["trials"]
        best = store.get_best_trial(session, planted)
    assert trials["total"] == 10 and trials["complete"] == 8 and trials["pruned"] == 2
    assert trials["failed"] == 0 and trials["budget"] == 30
    assert trials["best_trial"] == best.number
    assert trials["best_params"] == best.params and trials["best_values"] == best.values


def test_pipeline_environment_has_one_step_per_driver_start(db: Database, planted: int) -> None:
    with db.session() as session:
        steps = [s for s in pipeline_log(session, planted) if s["key"] == "environment"]
    assert [s["title"] for s in steps] == ["Environment at the start",
                                           "Environment at resume 1"]
    first, second = (s["fields"] for s in steps)
    assert first["packages"]["optuna"] == "4.1.0" and second["packages"]["optuna"] == "4.2.0"
    assert first["nodes"] == 2 and first["resources"] == {"CPU": 8.0, "GPU": 1.0}
    assert first["at"] == "2026-04-01T09:00:00+00:00"


def test_pipeline_control_events_say_when_and_who(db: Database, planted: int) -> None:
    with db.session() as session:
        control = _by_key(pipeline_log(session, planted))["control"]
    events = control["events"]
    assert [(e["kind"], e["status"]) for e in events] == [
        ("ranges", "applied"), ("ranges", "refused"), ("pause", "pausing")]
    assert [e["requested_by"] for e in events] == ["not recorded", "ada", "bob"]
    assert events[1]["error"] == "max_depth: low above high"
    assert all(datetime.fromisoformat(e["at"]) for e in events)
    assert control["pending"] is None


def test_pipeline_of_a_queued_run_says_nothing_was_recorded(db: Database) -> None:
    with db.session() as session:
        user, experiment = add_experiment(session, "empty", owner="cy")
        run = add_run(session, experiment.id,
                      {"name": "w", "dataset": {"builtin": "iris"}, "model": "random_forest",
                       "split": {"method": "holdout"}}, "waiting")
        store.request_control(session, run.id, "stop", requested_by=user.id)
        run_id = run.id
    with db.session() as session:
        fields = _by_key(pipeline_log(session, run_id))
        with pytest.raises(LookupError, match="run 999 does not exist"):
            pipeline_log(session, 999)
    assert fields["environment"]["recorded"] is False
    assert fields["split"]["folds"] is None
    assert fields["trials"]["total"] == 0 and fields["trials"]["best_trial"] is None
    assert fields["control"]["events"] == []
    assert fields["control"]["pending"]["kind"] == "stop"
    assert fields["control"]["pending"]["requested_by"] == "cy"


def test_format_pipeline_numbers_steps_and_indents_fields() -> None:
    text = format_pipeline([
        {"key": "split", "title": "Split", "fields": {"method": "kfold", "folds": 5}},
        {"key": "control", "title": "Control events", "fields": {
            "events": [{"at": "t1", "kind": "pause", "requested_by": "ada"}], "pending": None}},
    ])
    assert text.splitlines() == [
        "1. Split", "  method: kfold", "  folds: 5",
        "2. Control events", "  events:", "    1: at=t1, kind=pause, requested_by=ada",
        "  pending: —",
    ]


def test_cli_pipeline(tmp_settings, capsys) -> None:
    database = Database(tmp_settings.database_url)
    database.upgrade()
    run_id, _ = _planted(database)
    database.dispose()

    assert main(["pipeline", str(run_id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. Run\n")
    assert "3. Features" in out and "  transforms: petal length (cm)=log1p" in out
    assert "Environment at resume 1" in out and "optuna=4.2.0" in out
    assert "requested_by=bob" in out
    assert main(["pipeline", str(run_id), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)
    assert [s["key"] for s in steps] == KEYS

    assert main(["pipeline", "999"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == ["optunagui: run 999 does not exist"]
