"""An attached study logged to MLflow as the follower mirrors it: one parent with a child per
trial, each child with the trial's parameters and every reported step; `optunagui attach`
takes the tracker flags."""

from __future__ import annotations

import optuna
import pytest

from optunagui.attach import attach_studies
from optunagui.attach.service import FollowerLoop
from optunagui.store import Database, create_user
from optunagui.store.experiments import create_experiment
from tests.tracking._runs import history, mlflow_runs

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -3, 3)
    for step in range(3):
        trial.report(x * x + 1.0 / (step + 1), step)
    return x * x


@pytest.mark.slow
def test_the_follower_logs_an_attached_study_to_mlflow(tmp_path, mlflow_up) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="followed", storage=storage)
    study.optimize(_objective, n_trials=4)
    db = Database(f"sqlite:///{tmp_path / 'product.db'}")
    db.upgrade()
    try:
        with db.session() as session:
            user = create_user(session, "ada", "!")
            experiment_id = create_experiment(session, "e", user.id).id
        tracking = {"mlflow": {"tracking_uri": mlflow_up.uri, "experiment_name": "attached"}}
        [run] = attach_studies(db, storage=storage, studies=["followed"],
                               experiment_id=experiment_id, user_id=user.id,
                               database_url=str(db.engine.url), tracking=tracking)
        loop = FollowerLoop(db)
        loop.poll_all()
        study.optimize(_objective, n_trials=2)  # written while followed
        loop.poll_all()
        loop.stop()
        parent, children = mlflow_runs(mlflow_up.uri, "attached")
        assert parent.data.tags["optunagui.run_url"].endswith(f"/runs/{run.run_id}")
        assert len(children) == 6
        for child, trial in zip(children, study.trials, strict=True):
            assert float(child.data.params["x"]) == pytest.approx(trial.params["x"])
            steps = history(mlflow_up.uri, child.info.run_id, "value")
            assert [step for step, _ in steps][:3] == [0, 1, 2]
    finally:
        db.dispose()
