"""Store throughput on SQLite (a file in a temp dir) and PostgreSQL (a fresh temp database).

Measures: trial events written in batches (100, 1000) and one per transaction, upserting
10,000 trials, and reading a 10,000-trial run with list_trials (median of several reads).
Prints a table and writes bench/results/store.json.

    .venv/bin/python -m bench.store [--postgres-url URL] [--reads 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    create_user,
    list_trials,
    upsert_trials,
)

RESULTS = Path(__file__).resolve().parent / "results" / "store.json"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
N_TRIALS = 10_000


@contextmanager
def _sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="og-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def _postgres_url(admin_url: str) -> Iterator[str]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"og_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _new_run(db: Database, user_id: int, experiment_id: int, label: str) -> int:
    with db.session() as session:
        return create_run(session, experiment_id, label, {"name": label}, created_by=user_id).id


def _event(i: int) -> dict[str, Any]:
    return {
        "kind": "result",
        "trial_number": i // 10,
        "step": i % 10,
        "metrics": {"accuracy": 0.5 + (i % 100) / 1000, "loss": 1.0 / (1 + i)},
        "worker": "node-1",
    }


def _events_per_second(db: Database, run_id: int, total: int, batch: int) -> float:
    start = time.perf_counter()
    for offset in range(0, total, batch):
        with db.session() as session:
            append_events(session, run_id, [_event(i) for i in range(offset, offset + batch)])
    return total / (time.perf_counter() - start)


def _trial(i: int) -> dict[str, Any]:
    return {
        "number": i,
        "state": "complete" if i % 5 else "pruned",
        "values": [0.5 + (i % 997) / 2000],
        "params": {"learning_rate": 0.01 + (i % 13) / 100, "num_leaves": 16 + i % 64,
                   "boosting_type": "gbdt" if i % 2 else "dart", "subsample": 0.8},
        "user_attrs": {"fit_time_s": 0.4, "n_steps": 10},
        "started_at": datetime.now(UTC),
        "finished_at": datetime.now(UTC),
        "duration_s": 1.25,
        "last_step": 10,
        "worker": f"node-{i % 4}",
        "gpu_ids": [],
    }


def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_backend(url: str, reads: int) -> dict[str, Any]:
    db = Database(url)
    try:
        db.upgrade()
        with db.session() as session:
            user = create_user(session, "bench", "x")
            experiment = create_experiment(session, "bench", user.id)
        result: dict[str, Any] = {}
        for batch, total in ((1000, 20_000), (100, 10_000)):
            run_id = _new_run(db, user.id, experiment.id, f"events-{batch}")
            result[f"events_per_s_batch_{batch}"] = _events_per_second(db, run_id, total, batch)
        run_id = _new_run(db, user.id, experiment.id, "events-1")
        result["events_per_s_one_by_one"] = _events_per_second(db, run_id, 500, 1)

        run_id = _new_run(db, user.id, experiment.id, "trials")
        rows = [_trial(i) for i in range(N_TRIALS)]

        def upsert() -> None:
            with db.session() as session:
                upsert_trials(session, run_id, rows)

        result["upsert_10k_trials_insert_s"] = _timed(upsert)
        result["upsert_10k_trials_update_s"] = _timed(upsert)

        timings = []
        for _ in range(reads):
            with db.session() as session:
                start = time.perf_counter()
                trials = list_trials(session, run_id)
                timings.append(time.perf_counter() - start)
        assert len(trials) == N_TRIALS
        result["list_trials_10k_median_s"] = statistics.median(timings)
        result["list_trials_10k_min_s"] = min(timings)
        return result
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="admin URL")
    parser.add_argument("--reads", type=int, default=7, help="list_trials reads (median)")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "targets": {"events_per_s_batched": 2000, "list_trials_10k_s": 0.3},
        "backends": {},
    }
    with _sqlite_url() as url:
        results["backends"]["sqlite"] = bench_backend(url, args.reads)
    try:
        with _postgres_url(args.postgres_url) as url:
            results["backends"]["postgresql"] = bench_backend(url, args.reads)
    except OperationalError as error:
        results["backends"]["postgresql"] = {"skipped": str(error.orig or error).splitlines()[0]}

    for backend, numbers in results["backends"].items():
        print(f"\n{backend}")
        for key, value in numbers.items():
            shown = f"{value:,.0f}" if key.startswith("events") else (
                f"{value:.3f}" if isinstance(value, float) else value)
            print(f"  {key:<32} {shown}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
