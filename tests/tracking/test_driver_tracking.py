"""A built-in run on the session's local Ray, logged to a real MLflow server by the driver."""

from __future__ import annotations

import json

import pytest

from cluster.driver.main import run_driver
from optunagui import store
from tests.cluster._runs import make_run, make_spec, steps_objective
from tests.tracking._runs import history, mlflow_runs

pytestmark = pytest.mark.ray


def test_driver_logs_the_run_as_parent_and_each_trial_as_child(
        ray_local, tmp_settings, sqlite_db, mlflow_up):
    experiment = "driver-tracking"
    spec = make_spec(tracking={"mlflow": {"tracking_uri": mlflow_up.uri,
                                          "experiment_name": experiment}})
    run_id, _ = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(n_steps=3),
                      poll_interval_s=0.2) == "completed"

    parent, children = mlflow_runs(mlflow_up.uri, experiment)
    with sqlite_db.session() as session:
        trials = {t.number: t for t in store.list_trials(session, run_id)}
        events = store.list_events_after(session, run_id, 0, 10_000)
        best = store.get_run(session, run_id)
    assert parent.info.status == "FINISHED" and best.best_trial_number is not None
    assert parent.data.tags["optunagui.run_url"].endswith(f"/runs/{run_id}")
    assert parent.data.tags["optunagui.best_trial"] == str(best.best_trial_number)
    assert len(children) == len(trials) == 4
    for child in children:
        number = int(child.data.tags["optunagui.trial_number"])
        assert child.data.params == {k: v if isinstance(v, str) else json.dumps(v)
                                     for k, v in trials[number].params.items()}
        assert "C" in child.data.params
        assert child.data.tags["optunagui.state"] == "complete"
        assert child.info.status == "FINISHED"
        steps = [(e.step, e.metrics["accuracy"]) for e in events
                 if e.trial_number == number and e.kind == "result"]
        assert [s for s, _ in steps] == [1, 2, 3]
        assert history(mlflow_up.uri, child.info.run_id) == sorted(steps)
