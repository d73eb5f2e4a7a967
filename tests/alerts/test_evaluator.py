"""The evaluator: each rule kind fires on its trigger, once, and not otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest

from optunagui.alerts import AlertEvaluator
from optunagui.store import update_run_status
from optunagui.store._types import utcnow

from .helpers import completed, events, messages, rule


def _evaluate(db, **kwargs):
    return AlertEvaluator(db, **kwargs).evaluate().fired


def test_threshold_on_any_trial_fires_once_per_trial(db, owner, experiment, run):
    rule(db, experiment, owner, "metric_threshold",
         {"metric": "roc_auc", "op": ">", "value": 0.97}, name="AUC")
    completed(db, run, 0, roc_auc=0.95)
    assert _evaluate(db) == []
    completed(db, run, 1, roc_auc=0.98)
    completed(db, run, 2, roc_auc=0.99)
    fired = _evaluate(db)
    assert [(f.trial_number, f.value) for f in fired] == [(1, 0.98), (2, 0.99)]
    assert messages(db, owner) == ["AUC: roc_auc 0.98 > 0.97 on trial 1 of lgbm #1",
                                   "AUC: roc_auc 0.99 > 0.97 on trial 2 of lgbm #1"]
    assert _evaluate(db) == []


@pytest.mark.parametrize(("op", "value", "fires"), [
    (">=", 0.5, True), (">=", 0.51, False), ("<", 0.51, True), ("<=", 0.49, False)])
def test_threshold_operators(db, owner, experiment, run, op, value, fires):
    rule(db, experiment, owner, "metric_threshold", {"metric": "log_loss", "op": op,
                                                     "value": value})
    completed(db, run, 0, log_loss=0.5)
    assert bool(_evaluate(db)) is fires


def test_threshold_on_best_so_far_uses_the_runs_direction_and_fires_once(db, owner,
                                                                         experiment, run):
    rule(db, experiment, owner, "metric_threshold",
         {"metric": "log_loss", "op": "<", "value": 0.3, "scope": "best"})
    completed(db, run, 0, log_loss=0.5)
    completed(db, run, 1, log_loss=0.9)  # worse: the best stays 0.5
    assert _evaluate(db) == []
    completed(db, run, 2, log_loss=0.2)
    completed(db, run, 3, log_loss=0.1)
    fired = _evaluate(db)
    assert [(f.key, f.trial_number) for f in fired] == [("best", 2)]


def test_events_before_the_rule_count_for_the_best_but_never_fire(db, owner, experiment, run):
    completed(db, run, 0, ago_s=60, roc_auc=0.99)
    rule(db, experiment, owner, "best_improves", {})
    assert _evaluate(db) == []
    completed(db, run, 1, roc_auc=0.98)  # not better than the earlier 0.99
    assert _evaluate(db) == []
    completed(db, run, 2, roc_auc=0.995)
    assert [f.trial_number for f in _evaluate(db)] == [2]


def test_best_improves_in_the_rules_direction(db, owner, experiment, run):
    rule(db, experiment, owner, "best_improves", {"metric": "log_loss"})
    completed(db, run, 0, log_loss=0.5)
    completed(db, run, 1, log_loss=0.6)
    completed(db, run, 2, log_loss=0.4)
    assert [f.trial_number for f in _evaluate(db)] == [0, 2]


@pytest.mark.parametrize(("status", "fires"), [("failed", True), ("completed", False)])
def test_run_status(db, owner, experiment, run, status, fires):
    rule(db, experiment, owner, "run_status", {"statuses": ["failed", "stopped"]})
    with db.session() as session:
        update_run_status(session, run.id, "running")
    assert _evaluate(db) == []
    with db.session() as session:
        update_run_status(session, run.id, status)
    fired = _evaluate(db)
    assert [f.key for f in fired] == ([f"status:{status}"] if fires else [])
    assert _evaluate(db) == []


def test_no_improvement_in_n_trials(db, owner, experiment, run):
    rule(db, experiment, owner, "no_improvement", {"trials": 3})
    completed(db, run, 0, roc_auc=0.9)
    completed(db, run, 1, roc_auc=0.8)
    completed(db, run, 2, roc_auc=0.85)
    assert _evaluate(db) == []
    events(db, run, [{"kind": "pruned", "trial_number": 3}])
    events(db, run, [{"kind": "pruned", "trial_number": 4}])
    fired = _evaluate(db)
    assert [(f.key, f.trial_number) for f in fired] == [("trials:0", 0)]


def test_no_improvement_in_t_minutes_and_stalled_go_by_the_clock(db, owner, experiment, run):
    rule(db, experiment, owner, "no_improvement", {"minutes": 30})
    rule(db, experiment, owner, "stalled", {"minutes": 10})
    with db.session() as session:
        update_run_status(session, run.id, "running")
    completed(db, run, 0, roc_auc=0.9)
    now = utcnow()
    assert AlertEvaluator(db, clock=lambda: now + timedelta(minutes=9)).evaluate().fired == []
    later = AlertEvaluator(db, clock=lambda: now + timedelta(minutes=11)).evaluate().fired
    assert [f.key for f in later] == [f"stalled:{_last_event_id(db, run)}"]
    latest = AlertEvaluator(db, clock=lambda: now + timedelta(minutes=31)).evaluate().fired
    assert [f.key for f in latest] == ["minutes:0"]


def test_time_rules_leave_a_finished_run_alone(db, owner, experiment, run):
    rule(db, experiment, owner, "stalled", {"minutes": 1})
    with db.session() as session:
        update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "completed")
    assert AlertEvaluator(db, clock=lambda: utcnow() + timedelta(hours=1)).evaluate().fired == []


def test_failed_share(db, owner, experiment, run):
    rule(db, experiment, owner, "failed_share", {"share": 0.5, "min_trials": 4})
    events(db, run, [{"kind": "failed", "trial_number": 0},
                     {"kind": "failed", "trial_number": 1, "metrics": {"retrying": True}},
                     {"kind": "completed", "trial_number": 1, "metrics": {"roc_auc": 0.9}},
                     {"kind": "failed", "trial_number": 2}])
    assert _evaluate(db) == []  # 2 of 3 finished, fewer than min_trials
    events(db, run, [{"kind": "completed", "trial_number": 3, "metrics": {"roc_auc": 0.9}}])
    assert _evaluate(db) == []  # 2 of 4: not over half
    events(db, run, [{"kind": "failed", "trial_number": 4}])
    assert [f.key for f in _evaluate(db)] == ["failed_share"]
    events(db, run, [{"kind": "failed", "trial_number": 5}])
    assert _evaluate(db) == []


def test_a_rule_on_one_run_ignores_the_others(db, owner, experiment, run):
    from optunagui.store import create_run

    with db.session() as session:
        other = create_run(session, experiment.id, "other", {}, created_by=owner.id)
    rule(db, experiment, owner, "metric_threshold",
         {"metric": "roc_auc", "op": ">", "value": 0.5}, run_id=run.id)
    completed(db, other, 0, roc_auc=0.9)
    assert _evaluate(db) == []
    completed(db, run, 0, roc_auc=0.9)
    assert [f.run_id for f in _evaluate(db)] == [run.id]


def _last_event_id(db, run):
    from optunagui.store import last_event_id

    with db.session() as session:
        return last_event_id(session, run.id)


def test_a_rule_on_the_experiment_fires_for_each_of_its_runs(db, owner, experiment, run):
    from optunagui.store import create_run

    from .conftest import SPEC

    rule(db, experiment, owner, "run_status", {"statuses": ["completed"]})
    rule(db, experiment, owner, "metric_threshold",
         {"metric": "roc_auc", "op": ">", "value": 0.97}, name="auc")
    with db.session() as session:
        second = create_run(session, experiment.id, "lgbm #2", SPEC, created_by=owner.id)
    for each in (run, second):
        completed(db, each, 0, roc_auc=0.99)
        with db.session() as session:
            update_run_status(session, each.id, "running")
            update_run_status(session, each.id, "completed")
    fired = _evaluate(db)
    assert sorted((f.run_id, f.key) for f in fired) == sorted(
        [(run.id, "status:completed"), (second.id, "status:completed"),
         (run.id, "trial:0"), (second.id, "trial:0")])
    assert _evaluate(db) == []
