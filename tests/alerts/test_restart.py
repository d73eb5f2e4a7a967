"""Restart safety and cost: alerts fire exactly once across evaluators, and a pass with
nothing new costs the same few queries on a long run as on a short one."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from optunagui.alerts import AlertEvaluator
from optunagui.alerts import evaluator as evaluator_module
from optunagui.cli import main
from optunagui.store import (
    Database,
    create_experiment,
    create_run,
    create_user,
    last_event_id,
)
from optunagui.store.alerts import Alert, AlertCursor, InboxItem

from .helpers import completed, events, rule

THRESHOLD = {"metric": "roc_auc", "op": ">", "value": 0.5}


def _count(db, table):
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_new_evaluator_on_the_same_database_repeats_nothing(db, owner, experiment, run,
                                                              viewer):
    rule(db, experiment, owner, "metric_threshold", THRESHOLD, subscribers=[owner.id, viewer.id])
    completed(db, run, 0, roc_auc=0.9)
    assert len(AlertEvaluator(db).evaluate().fired) == 1
    completed(db, run, 1, roc_auc=0.8)
    restarted = AlertEvaluator(db)  # the server came back: a new object, the same database
    assert [f.trial_number for f in restarted.evaluate().fired] == [1]
    assert AlertEvaluator(db).evaluate().fired == []
    assert _count(db, Alert) == 2
    assert _count(db, InboxItem) == 4


def test_a_pass_that_dies_before_commit_moves_no_cursor(db, owner, experiment, run,
                                                        monkeypatch):
    rule(db, experiment, owner, "metric_threshold", THRESHOLD)
    completed(db, run, 0, roc_auc=0.9)

    def crash(*_args, **_kwargs):
        raise RuntimeError("the server died here")

    with monkeypatch.context() as patched:
        patched.setattr(evaluator_module, "_record", crash)
        with pytest.raises(RuntimeError):
            AlertEvaluator(db).evaluate()
    assert _count(db, AlertCursor) == 0
    assert [f.trial_number for f in AlertEvaluator(db).evaluate().fired] == [0]
    assert AlertEvaluator(db).evaluate().fired == []
    assert _count(db, Alert) == 1


def test_the_cursor_moves_with_the_events_read(db, owner, experiment, run):
    rule(db, experiment, owner, "metric_threshold", THRESHOLD)
    events(db, run, [{"kind": "completed", "trial_number": n, "metrics": {"roc_auc": 0.1}}
                     for n in range(7)])
    result = AlertEvaluator(db, batch=3).evaluate()
    assert result.events == 7 and not result.more
    with db.session() as session:
        cursor = session.scalar(select(AlertCursor))
        assert cursor.last_event_id == last_event_id(session, run.id)
        assert cursor.state["n"] == 7


class _Queries:
    def __init__(self, db: Database) -> None:
        self.count = 0
        event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def during(self, evaluator: AlertEvaluator):
        self.count = 0
        result = evaluator.evaluate()
        return self.count, result


def test_nothing_new_costs_the_same_few_queries_on_a_long_run(db, owner, experiment, run):
    for n in range(20):
        rule(db, experiment, owner, "metric_threshold", {**THRESHOLD, "value": 2.0 + n})
    evaluator = AlertEvaluator(db)
    queries = _Queries(db)
    events(db, run, [{"kind": "completed", "trial_number": n, "metrics": {"roc_auc": 0.9}}
                     for n in range(50)])
    evaluator.evaluate()
    short, result = queries.during(evaluator)
    assert result.events == 0
    events(db, run, [{"kind": "completed", "trial_number": n, "metrics": {"roc_auc": 0.9}}
                     for n in range(50, 3000)])
    evaluator.evaluate()
    long, result = queries.during(evaluator)
    assert result.events == 0
    assert long == short <= 6  # begin/lock, rules, watched runs, the run's new events
    completed(db, run, 3000, roc_auc=0.9)
    one, result = queries.during(evaluator)
    assert result.events == 1
    assert one <= short + 2  # and the cursor's update


def test_cli_evaluate_once_fires_and_prints(tmp_settings, capsys):
    db = Database(tmp_settings.database_url)
    try:
        db.upgrade()
        with db.session() as session:
            owner = create_user(session, "ada", "hash")
            experiment = create_experiment(session, "iris", owner.id)
            run = create_run(session, experiment.id, "r1", {}, created_by=owner.id)
        rule(db, experiment, owner, "metric_threshold", THRESHOLD, name="AUC")
        completed(db, run, 0, roc_auc=0.9)
        assert main(["alerts", "evaluate", "--once", "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["events"] == 1
        assert [f["message"] for f in first["fired"]] == ["AUC: roc_auc 0.9 > 0.5 on trial 0 of r1"]
        assert main(["alerts", "evaluate", "--once"]) == 0
        assert capsys.readouterr().out.strip() == "0 new event(s), 0 alert(s) fired"
        assert main(["alerts", "evaluate", "--interval", "0"]) != 0
    finally:
        db.dispose()
