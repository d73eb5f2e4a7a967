"""Best values name their metric: the experiments list keeps one best per metric (each by its
own direction) and the runs table says what each run's best measures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashapp import components, queries
from dashapp.permissions import Principal
from optunagui.store import Database
from tests.factories import add_experiment, add_run


def _spec(metric: str, direction: str, task: str) -> dict:
    return {"name": metric, "task": task, "model": "random_forest",
            "dataset": {"builtin": "iris"}, "metrics": [{"name": metric, "direction": direction}]}


def _runs(db: Database) -> tuple[int, int]:
    """An experiment with a classification run, then two regression runs (newest last)."""
    with db.session() as session:
        user, experiment = add_experiment(session, "penguins")
        made = [("accuracy", "maximize", "classification", 0.93),
                ("rmse", "minimize", "regression", 310.0),
                ("rmse", "minimize", "regression", 402.5)]
        for i, (metric, direction, task, best) in enumerate(made):
            run = add_run(session, experiment.id, _spec(metric, direction, task), f"run {i}",
                          created_by=user.id)
            run.best_value = best
            run.created_at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i)
        return user.id, experiment.id


def test_the_experiments_list_keeps_a_best_per_metric_newest_metric_first(db: Database):
    user_id, _ = _runs(db)
    with db.session() as session:
        [row] = queries.list_experiment_rows(session, Principal(user_id=user_id))
    assert row.bests == (("rmse", 310.0), ("accuracy", 0.93))


def test_an_experiment_without_scored_runs_has_no_best(db: Database):
    with db.session() as session:
        user, experiment = add_experiment(session, "empty")
        add_run(session, experiment.id, {"name": "x", "metrics": []}, created_by=user.id)
        user_id = user.id
    with db.session() as session:
        [row] = queries.list_experiment_rows(session, Principal(user_id=user_id))
    assert row.bests == ()


def test_the_runs_table_names_each_runs_metric(db: Database):
    _, experiment_id = _runs(db)
    with db.session() as session:
        rows = queries.list_run_rows(session, experiment_id)
    assert [(r.metric, r.best_value) for r in rows] == [("rmse", 402.5), ("rmse", 310.0),
                                                        ("accuracy", 0.93)]
    table = components.runs_table(rows, link_runs=True)
    text = repr(table)
    assert "' accuracy'" in text and text.count("' rmse'") == 2
