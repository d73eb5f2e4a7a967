"""Runs written into the real store (SQLite and PostgreSQL) the way the driver writes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import optuna
import pytest

from optunagui.analysis import TrialFrame, load_frame, rows_from_study
from optunagui.store import Database, Experiment, User, create_experiment
from tests.factories import add_run

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_spec(space: Mapping[str, Any], metrics: Iterable[Mapping[str, str]] | None = None,
              model: str = "custom") -> dict[str, Any]:
    """A run spec; the model is unknown to the registry, so the space is taken as written."""
    return {"name": "analysis", "dataset": {"name": "data"}, "model": model,
            "space": dict(space),
            "metrics": list(metrics or [{"name": "score", "direction": "maximize"}])}


def trial_rows(params: Mapping[str, Iterable[Any]], values: Iterable[Any], *,
               states: Iterable[str] | None = None, **extra: Iterable[Any]) -> list[dict]:
    """Trial rows from columns: params name -> values, one objective value (or list) each."""
    values = list(values)
    states = list(states or ["complete"] * len(values))
    names = list(params)
    columns = [list(params[n]) for n in names]
    rows = []
    for i, value in enumerate(values):
        row: dict[str, Any] = {
            "number": i, "state": states[i],
            "values": None if value is None else (list(value) if isinstance(value, list | tuple)
                                                  else [float(value)]),
            "params": {n: c[i] for n, c in zip(names, columns, strict=True)
                       if c[i] is not None},
        }
        for key, column in extra.items():
            row[key] = list(column)[i]
        rows.append(row)
    return rows


@pytest.fixture
def experiment(db: Database, owner: User) -> Experiment:
    with db.session() as session:
        return create_experiment(session, "analysis", owner.id)


StoreRun = Callable[..., int]


@pytest.fixture
def store_run(db: Database, experiment: Experiment, owner: User) -> StoreRun:
    """store_run(spec, rows, events=()) -> run id, written with upsert_trials/append_events."""
    counter = iter(range(1_000))

    def write(spec: Mapping[str, Any], rows: list[dict], events: Iterable[dict] = ()) -> int:
        with db.session() as session:
            return add_run(session, experiment.id, dict(spec), f"run {next(counter)}",
                           created_by=owner.id, trials=rows, events=events).id

    return write


@pytest.fixture
def load(db: Database) -> Callable[[int], TrialFrame]:
    def read(run_id: int) -> TrialFrame:
        with db.session() as session:
            return load_frame(session, run_id)

    return read


def study_rows_and_events(study: optuna.Study, metric: str = "score") -> tuple[list, list]:
    """An Optuna study's trials as our rows and "result" events (reports as steps)."""
    rows, events = [], []
    for r in rows_from_study(study):
        start = T0 + timedelta(seconds=r.number)
        rows.append({
            "number": r.number, "state": r.state, "values": r.values,
            "params": r.params, "user_attrs": r.user_attrs or None,
            "started_at": start, "finished_at": start + timedelta(seconds=0.5),
            "duration_s": 0.5, "last_step": r.last_step, "worker": "node-0",
        })
        events += [{"kind": "result", "trial_number": r.number, "step": step,
                    "metrics": {metric: value}} for step, value in r.intermediate.items()]
    return rows, events


def optimise(sampler: optuna.samplers.BaseSampler, objective: Callable, n_trials: int,
             direction: str = "maximize") -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
