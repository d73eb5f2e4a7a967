"""Code runs on the session's local Ray: the user's objective, as written for Optuna."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.alerts import AlertEvaluator, create_rule
from optunagui.replay import create_replay
from tests.cluster._code import code_spec, make_code_run, write_code

pytestmark = pytest.mark.ray

SIMPLE = """
import optuna

def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    n = trial.suggest_int("n", 1, 4)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    score = 0.0
    for step in range(1, 4):
        score = x * step / 3
        trial.report(score, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    trial.set_user_attr("kind_seen", kind)
    return score + n * 0.0
"""


def _trials(db, run_id):
    with db.session() as session:
        return store.list_trials(session, run_id)


def _run(db, run_id):
    with db.session() as session:
        return store.get_run(session, run_id)


def _alert_rules(db, experiment_id):
    with db.session() as session:
        create_rule(session, experiment_id, name="done", kind="run_status",
                    params={"statuses": ["completed"]}, created_by=None)
        create_rule(session, experiment_id, name="better", kind="best_improves", params={},
                    created_by=None)


def test_code_run_completes_with_params_ranges_and_study(ray_local, tmp_settings, sqlite_db,
                                                        tmp_path):
    folder = write_code(tmp_path / "user", SIMPLE)
    run_id = make_code_run(sqlite_db, code_spec(folder))
    _alert_rules(sqlite_db, _run(sqlite_db, run_id).experiment_id)
    assert run_driver(run_id, tmp_settings) == "completed"
    trials = _trials(sqlite_db, run_id)
    assert [t.state for t in trials] == ["complete"] * 4
    fired = AlertEvaluator(sqlite_db).evaluate().fired  # alerts watch code runs too
    assert [f.key for f in fired if f.key.startswith("status")] == ["status:completed"]
    assert any(f.key.startswith("trial:") for f in fired)
    assert all(set(t.params) == {"x", "n", "kind"} for t in trials)
    assert all(0 <= t.params["x"] <= 1 and t.last_step == 3 for t in trials)
    assert trials[0].user_attrs["user"]["kind_seen"] in ("a", "b")
    run = _run(sqlite_db, run_id)
    assert run.current_space["x"] == {"type": "float", "low": 0.0, "high": 1.0}
    assert run.current_space["kind"]["choices"] == ["a", "b"]
    study = optuna.load_study(study_name=run.study_name, storage=sqlite_db.optuna_storage())
    assert len(study.trials) == 4
    assert study.best_value == pytest.approx(max(t.values[0] for t in trials))
    assert study.trials[0].intermediate_values.keys() == {1, 2, 3}


def test_code_run_space_in_the_spec_overrides_the_codes_range(ray_local, tmp_settings,
                                                               sqlite_db, tmp_path):
    folder = write_code(tmp_path / "user", SIMPLE)
    spec = code_spec(folder, space={"x": {"type": "float", "low": 0.9, "high": 0.95},
                                    "kind": {"type": "categorical", "choices": ["c"]}})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    for trial in _trials(sqlite_db, run_id):
        assert 0.9 <= trial.params["x"] <= 0.95
        assert trial.params["kind"] == "c"


def test_code_run_range_change_applies_to_the_next_suggest(ray_local, tmp_settings, sqlite_db,
                                                          tmp_path):
    folder = write_code(tmp_path / "user", SIMPLE)
    run_id = make_code_run(sqlite_db, code_spec(folder))
    with sqlite_db.session() as session:  # what a range change from the run page stores
        store.set_current_space(session, run_id, {"n": {"type": "int", "low": 7, "high": 8}})
    assert run_driver(run_id, tmp_settings) == "completed"
    assert {t.params["n"] for t in _trials(sqlite_db, run_id)} <= {7, 8}


PRUNING = """
import optuna
from pathlib import Path

CLEANED = Path(__file__).parent / "cleaned"

def objective(trial):
    bad = trial.number == 3
    score = 0.0
    for step in range(1, 6):
        score = (0.05 if bad else 0.8 + trial.number * 0.01) * step
        trial.report(score, step)
        if trial.should_prune():
            CLEANED.mkdir(exist_ok=True)
            (CLEANED / f"trial-{trial.number}").write_text("removed")
            raise optuna.TrialPruned()
    return score
"""


@pytest.mark.parametrize("pruner", [
    {"name": "median", "grace_period": 1, "min_samples_required": 2},
    {"name": "asha", "grace_period": 1, "reduction_factor": 2},
])
def test_code_run_should_prune_lets_the_clean_up_run(ray_local, tmp_settings, sqlite_db,
                                                    tmp_path, monkeypatch, pruner):
    cache = tmp_path / "code-cache"
    monkeypatch.setenv("OPTUNAGUI_CODE_CACHE", str(cache))
    folder = write_code(tmp_path / "user", PRUNING)
    run_id = make_code_run(sqlite_db, code_spec(folder, pruner=pruner))
    assert run_driver(run_id, tmp_settings) == "completed"
    trials = {t.number: t for t in _trials(sqlite_db, run_id)}
    bad = trials[3]
    assert bad.state == "pruned"
    assert 1 <= bad.last_step < 5
    cleaned = list(cache.glob("*/cleaned/trial-3"))
    assert cleaned and cleaned[0].read_text() == "removed"
    study = optuna.load_study(study_name=_run(sqlite_db, run_id).study_name,
                              storage=sqlite_db.optuna_storage())
    pruned = study.trials[3]
    assert pruned.state == optuna.trial.TrialState.PRUNED
    assert pruned.intermediate_values  # its steps are kept


IGNORES_PRUNING = """
def objective(trial):
    bad = trial.number == 3
    score = 0.0
    for step in range(1, 11):
        score = (0.05 if bad else 0.8) * step
        trial.report(score, step)
    return score
"""


def test_code_run_that_never_asks_is_still_stopped_at_a_report(ray_local, tmp_settings,
                                                               sqlite_db, tmp_path):
    folder = write_code(tmp_path / "user", IGNORES_PRUNING)
    spec = code_spec(folder, pruner={"name": "median", "grace_period": 1,
                                     "min_samples_required": 2})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    bad = {t.number: t for t in _trials(sqlite_db, run_id)}[3]
    assert bad.state == "pruned" and bad.last_step < 10


RAISING = """
def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    if trial.number == 1:
        raise RuntimeError("the data loader broke on batch 7")
    return x
"""


def test_code_run_raising_objective_fails_that_trial_only(ray_local, tmp_settings, sqlite_db,
                                                         tmp_path):
    folder = write_code(tmp_path / "user", RAISING)
    run_id = make_code_run(sqlite_db, code_spec(folder, budget={"n_trials": 3}))
    assert run_driver(run_id, tmp_settings) == "completed"
    trials = {t.number: t for t in _trials(sqlite_db, run_id)}
    assert trials[1].state == "failed"
    assert "the data loader broke on batch 7" in trials[1].error
    assert "train.py" in trials[1].error  # the traceback names the user's file
    assert trials[0].state == trials[2].state == "complete"


SETUP = """
from pathlib import Path

def load_data():
    calls = Path(__file__).parent / "setup-calls"
    calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
    return {"offset": 10.0}

def objective(trial, data):
    return data["offset"] + trial.suggest_float("x", 0.0, 1.0)
"""


def test_code_run_setup_runs_once_per_worker(ray_local, tmp_settings, sqlite_db, tmp_path,
                                            monkeypatch):
    cache = tmp_path / "code-cache"
    monkeypatch.setenv("OPTUNAGUI_CODE_CACHE", str(cache))
    folder = write_code(tmp_path / "user", SETUP)
    spec = code_spec(folder, objective={"function": "train.py:objective",
                                        "setup": "train.py:load_data"},
                     budget={"n_trials": 5, "max_concurrent": 1})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    trials = _trials(sqlite_db, run_id)
    assert all(t.state == "complete" and t.values[0] >= 10 for t in trials)
    calls = next(cache.glob("*/setup-calls")).read_text()
    assert 1 <= len(calls) < len(trials)


MULTI = """
def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    return x, 1.0 - x
"""


def test_code_run_with_two_objectives(ray_local, tmp_settings, sqlite_db, tmp_path):
    folder = write_code(tmp_path / "user", MULTI)
    spec = code_spec(folder, metrics=[{"name": "accuracy", "direction": "maximize"},
                                      {"name": "size", "direction": "minimize"}])
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    for trial in _trials(sqlite_db, run_id):
        assert trial.values[0] + trial.values[1] == pytest.approx(1.0)


def test_code_run_trials_get_their_declared_gpus(ray_local, tmp_settings, sqlite_db, tmp_path):
    folder = write_code(tmp_path / "user", SIMPLE)
    spec = code_spec(folder, resources={"cpu": 1, "gpu": 0.5},
                     budget={"n_trials": 2, "max_concurrent": 2})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    for trial in _trials(sqlite_db, run_id):
        assert trial.gpu_ids and set(trial.gpu_ids) <= {"0", "1"}


def test_code_run_replay_reuses_the_code_version(ray_local, tmp_settings, sqlite_db, tmp_path):
    folder = write_code(tmp_path / "user", SIMPLE)
    run_id = make_code_run(sqlite_db, code_spec(folder, budget={"n_trials": 2}))
    assert run_driver(run_id, tmp_settings) == "completed"
    (folder / "train.py").write_text("raise SystemExit('edited after the run')\n")
    with sqlite_db.session() as session:
        replay = create_replay(session, run_id, created_by=None)
        original = store.get_run(session, run_id).spec["objective"]["code"]
        assert store.get_run(session, replay.run_id).spec["objective"]["code"] == original
    assert run_driver(replay.run_id, tmp_settings) == "completed"
    assert [t.state for t in _trials(sqlite_db, replay.run_id)] == ["complete"] * 2


def test_example_runs_unchanged_under_the_product(ray_local, tmp_settings, sqlite_db, tmp_path,
                                                 monkeypatch):
    example = Path(__file__).parents[2] / "examples" / "mlp_objective.py"
    folder = tmp_path / "copy"
    write_code(folder, example.read_text(), name="mlp_objective.py")
    monkeypatch.setenv("OPTUNAGUI_CODE_CACHE", str(tmp_path / "code-cache"))
    spec = code_spec(folder, objective={"function": "mlp_objective.py:objective"},
                     metrics=[{"name": "accuracy", "direction": "maximize"}],
                     pruner={"name": "median"}, budget={"n_trials": 2})
    run_id = make_code_run(sqlite_db, spec)
    assert run_driver(run_id, tmp_settings) == "completed"
    trials = _trials(sqlite_db, run_id)
    assert all(t.state in ("complete", "pruned") for t in trials)
    assert any(t.state == "complete" and 0 < t.values[0] <= 1 for t in trials)
