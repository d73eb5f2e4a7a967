"""Alert evaluation cost on SQLite (a file in a temp dir) and PostgreSQL (a fresh temp database).

100 rules of every kind on an experiment with one running 10,000-trial run (20,000 events):
the first pass (the run's whole history, once), then passes with nothing new and passes with
one new event (median of several; target: at most 20 ms a pass with one new event), with the
queries each pass sends. Then, unless ``--popup 0``, the delay from a trial's result to the
alert's pop-up in Chromium on a real server (target: at most 2 s; bench/_alert_popup.py).
Prints a table and writes bench/results/alerts.json.

    .venv/bin/python -m bench.alerts [--postgres-url URL] [--passes 21] [--popup 8]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bench._alert_popup import TARGET_S as POPUP_TARGET_S
from bench._alert_popup import measure_popup
from bench.store import DEFAULT_POSTGRES, _postgres_url, _sqlite_url
from optunagui.alerts import AlertEvaluator, create_rule
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
)

RESULTS = Path(__file__).resolve().parent / "results" / "alerts.json"
N_TRIALS = 10_000
N_RULES = 100
TARGET_MS = 20.0
SPEC = {"metrics": [{"name": "roc_auc", "direction": "maximize"}]}
KINDS: list[tuple[str, dict[str, Any]]] = [
    ("metric_threshold", {"metric": "roc_auc", "op": ">", "value": 2.0}),
    ("metric_threshold", {"metric": "roc_auc", "op": ">", "value": 2.0, "scope": "best"}),
    ("best_improves", {}),
    ("run_status", {"statuses": ["failed"]}),
    ("no_improvement", {"trials": 100_000, "minutes": 10_000}),
    ("failed_share", {"share": 0.9}),
    ("stalled", {"minutes": 10_000}),
]


def _seed(db: Database) -> int:
    with db.session() as session:
        user = create_user(session, "bench", "hash")
        experiment = create_experiment(session, "bench", user.id)
        run = create_run(session, experiment.id, "10k", SPEC, created_by=user.id)
        update_run_status(session, run.id, "running")
        for i in range(N_RULES):
            kind, params = KINDS[i % len(KINDS)]
            create_rule(session, experiment.id, name=f"rule {i}", kind=kind, params=params,
                        created_by=user.id)
    for start in range(0, N_TRIALS, 1000):
        batch = []
        for n in range(start, start + 1000):
            batch.append({"kind": "started", "trial_number": n})
            batch.append({"kind": "completed", "trial_number": n,
                          "metrics": {"roc_auc": 0.5 + (n % 97) / 1000}})
        with db.session() as session:
            append_events(session, run.id, batch)
    return run.id


def _timed(evaluator: AlertEvaluator, counter: list[int]) -> tuple[float, int]:
    counter[0] = 0
    started = time.perf_counter()
    evaluator.evaluate()
    return (time.perf_counter() - started) * 1000, counter[0]


def bench_backend(url: str, passes: int) -> dict[str, Any]:
    db = Database(url)
    try:
        db.upgrade()
        run_id = _seed(db)
        counter = [0]
        event.listen(db.engine, "before_cursor_execute",
                     lambda *_: counter.__setitem__(0, counter[0] + 1))
        evaluator = AlertEvaluator(db)
        first_ms, _ = _timed(evaluator, counter)
        idle = [_timed(evaluator, counter) for _ in range(passes)]
        one_new = []
        for n in range(passes):
            with db.session() as session:
                append_events(session, run_id, [{"kind": "completed",
                                                 "trial_number": N_TRIALS + n,
                                                 "metrics": {"roc_auc": 0.4}}])
            one_new.append(_timed(evaluator, counter))
        return {
            "first_pass_ms": first_ms,
            "idle_pass_ms": statistics.median(ms for ms, _ in idle),
            "idle_pass_queries": max(q for _, q in idle),
            "one_new_event_pass_ms": statistics.median(ms for ms, _ in one_new),
            "one_new_event_pass_queries": max(q for _, q in one_new),
        }
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="admin URL")
    parser.add_argument("--passes", type=int, default=21, help="passes measured (median)")
    parser.add_argument("--popup", type=int, default=8,
                        help="alerts timed from the trial to the pop-up (0: skip)")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rules": N_RULES, "trials": N_TRIALS,
        "targets": {"one_new_event_pass_ms": TARGET_MS, "popup_median_s": POPUP_TARGET_S},
        "backends": {},
    }
    with _sqlite_url() as url:
        results["backends"]["sqlite"] = bench_backend(url, args.passes)
    try:
        with _postgres_url(args.postgres_url) as url:
            results["backends"]["postgresql"] = bench_backend(url, args.passes)
    except OperationalError as error:
        results["backends"]["postgresql"] = {"skipped": str(error.orig or error).splitlines()[0]}
    if args.popup > 0:
        results["popup"] = measure_popup(args.popup)
        print(f"\npop-up: {results['popup']}")
    for backend, numbers in results["backends"].items():
        print(f"\n{backend}")
        for key, value in numbers.items():
            shown = f"{value:.1f}" if isinstance(value, float) else value
            print(f"  {key:<30} {shown}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
