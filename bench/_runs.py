"""Runs of N trials written into OptunaGui's own tables, as the driver writes them.

Each trial: 5 float parameters, one objective (`loss`, minimized), 10 intermediate results,
per-fold scores in its user attributes; its events are `started`, one `result` per step and
`completed` (`upsert_trials` + `append_events`, like the driver's sink). The runs stay
`running`, so their pages poll. A SQLite file of such runs (an admin with a known password,
one experiment) is kept in a cache folder and copied for every bench.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from optunagui.accounts import hash_password
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
    upsert_trials,
)
from optunagui.store.tables import Run

DATA_VERSION = 1  # names the cached file; change it when the generated runs change
PARAMS = [f"x{i}" for i in range(5)]
SPACE = {p: {"type": "float", "low": -5.0, "high": 5.0} for p in PARAMS}
METRIC = "loss"
STEPS = 10
FOLDS = 5
CHUNK = 5_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)
USER = "admin"
PASSWORD = "bench password 123"


def spec(name: str, n: int) -> dict[str, Any]:
    return {"name": name, "dataset": {"name": "bench"}, "model": "lightgbm", "space": SPACE,
            "metrics": [{"name": METRIC, "direction": "minimize"}],
            "budget": {"n_trials": n, "max_concurrent": 8}}


def trial_rows(first: int, count: int, seed: int) -> tuple[list[dict[str, Any]],
                                                            list[dict[str, Any]]]:
    """Trials numbered `first`.. and their events: complete, with values and folds."""
    rng = np.random.default_rng(seed)
    params = rng.uniform(-5.0, 5.0, (count, len(PARAMS)))
    values = ((params - 1.0) ** 2).sum(axis=1) + rng.random(count)
    decay = np.exp(-np.arange(1, STEPS + 1) / 3.0)
    steps = values[:, None] * (1 + decay[None, :]) + 0.1 * rng.random((count, STEPS))
    folds = values[:, None] + 0.05 * rng.standard_normal((count, FOLDS))
    rows, events = [], []
    for i in range(count):
        number, worker = first + i, f"node-{(first + i) % 8}"
        started = T0 + timedelta(seconds=number)
        rows.append({
            "number": number, "state": "complete", "values": [float(values[i])],
            "params": {p: float(params[i, j]) for j, p in enumerate(PARAMS)},
            "user_attrs": {"fold_scores": {METRIC: folds[i].round(5).tolist()}},
            "started_at": started, "finished_at": started + timedelta(seconds=0.9),
            "duration_s": 0.9, "last_step": STEPS, "worker": worker})
        events.append({"kind": "started", "trial_number": number, "worker": worker})
        events.extend({"kind": "result", "trial_number": number, "step": step + 1,
                       "metrics": {METRIC: float(steps[i, step])}, "worker": worker}
                      for step in range(STEPS))
        events.append({"kind": "completed", "trial_number": number, "worker": worker})
    return rows, events


def write_trials(db: Database, run_id: int, first: int, count: int, seed: int) -> None:
    """`count` trials and their events, in chunks of one transaction each."""
    for start in range(first, first + count, CHUNK):
        rows, events = trial_rows(start, min(CHUNK, first + count - start), seed + start)
        with db.session() as session:
            upsert_trials(session, run_id, rows)
            append_events(session, run_id, events)


def run_name(n: int, copy: int = 0) -> str:
    return f"bench-{n}" if copy == 0 else f"bench-{n}-{copy}"


def _write_run(db: Database, experiment_id: int, user_id: int, name: str, n: int,
               seed: int) -> None:
    with db.session() as session:
        run = create_run(session, experiment_id, name, spec(name, n), created_by=user_id,
                         n_trials_budget=n * 2, current_space=SPACE)
        update_run_status(session, run.id, "running")
        run_id = run.id
    write_trials(db, run_id, 0, n, seed)


def run_ids(db: Database) -> dict[str, int]:
    from sqlalchemy import select

    with db.session() as session:
        return {name: run_id for run_id, name in session.execute(select(Run.id, Run.name))}


def _ensure_owner(db: Database) -> tuple[int, int]:
    from sqlalchemy import select

    from optunagui.store.tables import Experiment, User

    with db.session() as session:
        user = session.scalar(select(User).where(User.username == USER))
        if user is None:
            user = create_user(session, USER, hash_password(PASSWORD), is_admin=True)
        experiment = session.scalar(select(Experiment))
        if experiment is None:
            experiment = create_experiment(session, "browser bench", user.id)
        return user.id, experiment.id


def _names(path: Path) -> set[str]:
    if not path.exists():
        return set()
    db = Database(f"sqlite:///{path}")
    try:
        return set(run_ids(db))
    finally:
        db.dispose()


def cached_runs_file(cache_dir: Path, wanted: list[tuple[int, int]]
                     ) -> tuple[Path, dict[str, float]]:
    """The cached database holding a run for each (size, copy) in `wanted` (written now if
    missing, into a copy that replaces the file once complete), and the seconds each new run
    took to write."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"browser-runs-v{DATA_VERSION}.db"
    missing = [(n, copy) for n, copy in wanted if run_name(n, copy) not in _names(path)]
    written: dict[str, float] = {}
    if not missing:
        return path, written
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    if path.exists():
        shutil.copyfile(path, partial)
    db = Database(f"sqlite:///{partial}")
    try:
        db.upgrade()
        user_id, experiment_id = _ensure_owner(db)
        for n, copy in missing:
            name = run_name(n, copy)
            print(f"writing the run {name} ({n:,} trials) into {path} ...", flush=True)
            started = time.perf_counter()
            _write_run(db, experiment_id, user_id, name, n, seed=n + 1000 * copy)
            written[name] = time.perf_counter() - started
            print(f"  written in {written[name]:.1f} s", flush=True)
    finally:
        db.dispose()
    os.replace(partial, path)
    return path, written
