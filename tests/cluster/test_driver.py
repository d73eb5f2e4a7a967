"""The Ray Tune driver end to end on the session's local Ray, with tiny budgets."""

from __future__ import annotations

import optuna
import pytest

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.store import Database
from tests.cluster._runs import make_run, make_spec, steps_objective

pytestmark = pytest.mark.ray


def _study(db: Database, study_name: str) -> optuna.Study:
    return optuna.load_study(study_name=study_name, storage=db.optuna_storage())


def test_driver_run_end_to_end_study_reads_back(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(model="hist_gradient_boosting", preset="fast",
                     space={"max_iter": {"type": "int", "low": 20, "high": 40, "step": 10}})
    run_id, study_name = make_run(sqlite_db, spec)

    status = run_driver(run_id, tmp_settings, poll_interval_s=0.2)

    assert status == "completed"
    study = _study(sqlite_db, study_name)
    trials = study.get_trials()
    assert len(trials) == 4
    for trial in trials:
        assert trial.state == optuna.trial.TrialState.COMPLETE
        assert set(trial.params) >= {"max_iter", "learning_rate"}
        assert 0.0 < trial.value <= 1.0
        assert trial.intermediate_values
        assert trial.intermediate_values[max(trial.intermediate_values)] == pytest.approx(
            trial.value)
        assert trial.user_attrs["tune_trial_id"]
    with sqlite_db.session() as session:
        run = store.get_run(session, run_id)
        rows = store.list_trials(session, run_id)
        events = store.list_events_after(session, run_id, 0, 10_000)
    assert run.status == "completed" and run.best_value == pytest.approx(study.best_value)
    assert sorted(r.number for r in rows) == [t.number for t in trials]
    assert {r.state for r in rows} == {"complete"}
    by_number = {t.number: t for t in trials}
    for row in rows:
        assert row.tune_trial_id == by_number[row.number].user_attrs["tune_trial_id"]
        assert row.values == [pytest.approx(by_number[row.number].value)]
        assert row.worker and row.gpu_ids == []
        # kept for the statistical comparison of runs: one score per validation fold
        assert len(row.user_attrs["fold_scores"]["accuracy"]) == 2
        assert row.user_attrs["metrics"]["fit_time_s"] > 0
        assert row.user_attrs["device"] == "cpu"
    kinds = [e.kind for e in events]
    assert kinds.count("started") == 4 and kinds.count("completed") == 4
    assert kinds.count("result") >= 4


@pytest.mark.parametrize("pruner", ["asha", "median"])
def test_driver_pruners_stop_iterative_trials_early(ray_local, tmp_settings, sqlite_db, pruner):
    spec = make_spec(
        dataset={"builtin": "breast_cancer"},
        model="hist_gradient_boosting",
        preset="fast",
        space={
            "max_iter": {"type": "fixed", "value": 40},
            "learning_rate": {"type": "float", "low": 0.002, "high": 0.3, "log": True},
        },
        metrics=[{"name": "log_loss", "direction": "minimize"}],
        pruner={"name": pruner, "grace_period": 2, "reduction_factor": 2,
                "min_samples_required": 2},
        sampler={"name": "random", "seed": 3},
        budget={"n_trials": 8, "max_concurrent": 2},
    )
    run_id, study_name = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, poll_interval_s=0.2) == "completed"

    trials = _study(sqlite_db, study_name).get_trials()
    pruned = [t for t in trials if t.state == optuna.trial.TrialState.PRUNED]
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert pruned and complete and len(pruned) + len(complete) == 8
    full_steps = max(max(t.intermediate_values) for t in complete)
    for trial in pruned:
        assert trial.user_attrs["pruned_by"] == pruner
        assert max(trial.intermediate_values) < full_steps
    with sqlite_db.session() as session:
        states = {r.number: r.state for r in store.list_trials(session, run_id)}
        pruned_events = [e for e in store.list_events_after(session, run_id, 0, 10_000)
                         if e.kind == "pruned"]
    assert {n for n, s in states.items() if s == "pruned"} == {t.number for t in pruned}
    assert len(pruned_events) == len(pruned)


def test_driver_failing_trial_is_retried_then_recorded_and_run_goes_on(
    ray_local, tmp_settings, sqlite_db
):
    spec = make_spec(max_failures=1, budget={"n_trials": 4, "max_concurrent": 2},
                     sampler={"name": "random", "seed": 0},
                     space={"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}})
    run_id, study_name = make_run(sqlite_db, spec)
    objective = steps_objective(n_steps=2, fail_when=lambda params: params["C"] < 0.3)

    assert run_driver(run_id, tmp_settings, evaluate=objective) == "completed"

    trials = _study(sqlite_db, study_name).get_trials()
    assert len(trials) == 4
    failed = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed and all(t.params["C"] < 0.3 for t in failed)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials if t.params["C"] >= 0.3)
    with sqlite_db.session() as session:
        rows = {r.number: r for r in store.list_trials(session, run_id)}
        events = store.list_events_after(session, run_id, 0, 10_000)
    for trial in failed:
        row = rows[trial.number]
        assert row.state == "failed"
        assert "objective refused params" in row.error and "_runs.py" in row.error
        fails = [e for e in events if e.kind == "failed" and e.trial_number == trial.number]
        assert [bool(e.metrics.get("retrying")) for e in fails] == [True, False]
        assert "ValueError" in fails[-1].metrics["message"]


def test_driver_conditional_space_asks_momentum_only_for_sgd(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(
        model="mlp",
        space={
            "optimizer": {"type": "categorical", "choices": ["adam", "sgd"]},
            "momentum": {"type": "float", "low": 0.5, "high": 0.99, "when": {"optimizer": ["sgd"]}},
        },
        sampler={"name": "random", "seed": 1},
        budget={"n_trials": 8, "max_concurrent": 2},
    )
    run_id, study_name = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(2)) == "completed"

    trials = _study(sqlite_db, study_name).get_trials()
    assert {t.params["optimizer"] for t in trials} == {"adam", "sgd"}
    for trial in trials:
        assert ("momentum" in trial.params) == (trial.params["optimizer"] == "sgd")


def test_driver_multi_objective_with_nsga2(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(
        metrics=[{"name": "accuracy", "direction": "maximize"},
                 {"name": "log_loss", "direction": "minimize"}],
        sampler={"name": "nsga2", "seed": 0},
        pruner={"name": "asha"},
        budget={"n_trials": 5, "max_concurrent": 2},
    )
    run_id, study_name = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(3)) == "completed"

    study = _study(sqlite_db, study_name)
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    trials = study.get_trials()
    assert len(trials) == 5
    assert all(t.state == optuna.trial.TrialState.COMPLETE and len(t.values) == 2
               for t in trials)
    assert study.best_trials
    with sqlite_db.session() as session:
        rows = store.list_trials(session, run_id)
    assert all(r.state == "complete" and len(r.values) == 2 for r in rows)
