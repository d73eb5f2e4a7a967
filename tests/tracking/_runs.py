"""Trial events and rows written the way the driver's event sink writes them, and readers of
what MLflow holds for a run."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from optunagui.store import Database, append_events, update_run_status, upsert_trials
from tests.factories import T0, write_run

ACCURACY = "accuracy"


def tracked_spec(tracking: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "tracked",
        "dataset": {"builtin": "iris"},
        "model": "logistic_regression",
        "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
        "metrics": [{"name": ACCURACY, "direction": "maximize"}],
        "budget": {"n_trials": 4, "max_concurrent": 2},
        "tracking": dict(tracking),
    }
    spec.update(overrides)
    return spec


def mlflow_spec(uri: str, **overrides: Any) -> dict[str, Any]:
    """A spec logged to `uri`, in an MLflow experiment of its own."""
    return tracked_spec({"mlflow": {"tracking_uri": uri,
                                    "experiment_name": f"test-{uuid.uuid4().hex[:10]}"}},
                        **overrides)


def new_run(db: Database, spec: Mapping[str, Any], status: str = "running") -> int:
    return write_run(db, dict(spec), statuses=["running"] + ([status] if status != "running"
                                                             else []))


def trial_steps(number: int, n_steps: int = 3) -> list[float]:
    return [round(0.1 * number + 0.2 * step, 4) for step in range(1, n_steps + 1)]


def write_trial(db: Database, run_id: int, number: int, *, state: str = "complete",
                n_steps: int = 3, finish: bool = True, steps_from: int = 1) -> None:
    """A trial's started event, its result events from `steps_from`, and (with `finish`)
    its completed / pruned / failed event and its final row."""
    params = {"C": round(0.5 + number, 3)}
    moment = T0 + timedelta(seconds=10 * number)
    values = trial_steps(number, n_steps)
    events: list[dict[str, Any]] = []
    if steps_from == 1:
        events.append({"kind": "started", "trial_number": number, "created_at": moment,
                       "metrics": {"tune_trial_id": f"t{number}", "params": params}})
    for step in range(steps_from, n_steps + 1):
        events.append({"kind": "result", "trial_number": number, "step": step,
                       "created_at": moment + timedelta(seconds=step),
                       "metrics": {ACCURACY: values[step - 1]}})
    row: dict[str, Any] = {"number": number, "params": params, "started_at": moment}
    if finish:
        end = moment + timedelta(seconds=n_steps + 1)
        kind = {"complete": "completed", "pruned": "pruned", "failed": "failed"}[state]
        detail: dict[str, Any] = {ACCURACY: values[-1]}
        if state == "pruned":
            detail["pruned_by"] = "asha"
        if state == "failed":
            detail = {"message": "ValueError: boom", "traceback": "Traceback\nValueError: boom"}
        events.append({"kind": kind, "trial_number": number, "step": n_steps,
                       "created_at": end, "metrics": detail})
        row.update(state=state, finished_at=end, duration_s=float(n_steps + 1),
                   values=[values[-1]] if state == "complete" else None,
                   error="ValueError: boom" if state == "failed" else None)
    with db.session() as session:
        upsert_trials(session, run_id, [row])
        append_events(session, run_id, events)


def write_trials(db: Database, run_id: int, numbers: Iterable[int], **kwargs: Any) -> None:
    for number in numbers:
        write_trial(db, run_id, number, **kwargs)


def end_run(db: Database, run_id: int, status: str = "completed") -> None:
    with db.session() as session:
        update_run_status(session, run_id, status)


def mlflow_runs(uri: str, experiment_name: str) -> tuple[Any, list[Any]]:
    """(the parent, its children sorted by trial number) in the experiment."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, f"no MLflow experiment {experiment_name!r}"
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1, [r.data.tags for r in parents]
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId")
                == parents[0].info.run_id]
    assert len(children) == len(runs) - 1
    children.sort(key=lambda r: int(r.data.tags["optunagui.trial_number"]))
    return parents[0], children


def history(uri: str, mlflow_run_id: str, key: str = ACCURACY) -> list[tuple[int, float]]:
    from mlflow.tracking import MlflowClient

    points = MlflowClient(uri).get_metric_history(mlflow_run_id, key)
    return sorted((p.step, p.value) for p in points)


def expected_history(number: int, n_steps: int = 3) -> Sequence[tuple[int, float]]:
    """A trial's steps (its final value is the last step's, so it adds no point)."""
    values = trial_steps(number, n_steps)
    return [(step, values[step - 1]) for step in range(1, n_steps + 1)]
