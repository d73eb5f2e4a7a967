"""`optunagui status|logs|stop|best|train-best RUN_ID`: look at, stop, and use a run's result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from optunagui.cli._remote import remote, remote_best, remote_control, remote_status
from optunagui.cli._runs import (
    QUICK_LINE,
    CliError,
    format_summary,
    open_database,
    require_run,
    summarize_run,
    write_best_params,
)
from optunagui.config import load_settings
from optunagui.status import UNDER_WAY_RUN_STATUSES, RunStatus

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    status = subparsers.add_parser("status", help="a run's status, trial counts and best value")
    status.add_argument("run_id", type=int, metavar="RUN_ID")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=_status)

    logs = subparsers.add_parser("logs", help="the output of a run's driver (or its Ray job)")
    logs.add_argument("run_id", type=int, metavar="RUN_ID")
    logs.add_argument("--tail", type=int, default=None, metavar="CHARS",
                      help="only the last CHARS characters")
    logs.set_defaults(handler=_logs)

    stop = subparsers.add_parser("stop", help="stop a run (running trials end, results kept)")
    stop.add_argument("run_id", type=int, metavar="RUN_ID")
    stop.add_argument("--timeout", type=float, default=30.0, metavar="S",
                      help="seconds to wait for the driver's confirmation before stopping "
                           "its process or Ray job (default 30)")
    stop.set_defaults(handler=_stop)

    best = subparsers.add_parser("best", help="a run's best value and parameters")
    best.add_argument("run_id", type=int, metavar="RUN_ID")
    best.add_argument("--json", action="store_true", help="print one JSON object")
    best.set_defaults(handler=_best)

    train = subparsers.add_parser(
        "train-best",
        help="refit the best trial's pipeline on all training data, score it on the test split "
             "and package it as the run's next model version",
    )
    train.add_argument("run_id", type=int, metavar="RUN_ID")
    train.add_argument("--output", metavar="PATH",
                       help="where to save the model (default: <data dir>/runs/RUN_ID/"
                            "best_model.skops, or .joblib when skops cannot save it)")
    train.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                       help="train XGBoost / the MLP on this device (default cpu)")
    train.add_argument("--zip", action="store_true",
                       help="also write the model package as a .zip next to its directory")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(handler=_train_best)


def _status(args: argparse.Namespace) -> int:
    client = remote(args)
    if client is not None:
        return remote_status(client, args)
    from cluster.launch.submit import is_driver_alive
    from optunagui.store import get_run

    settings = load_settings()
    with open_database(settings) as database:
        run = require_run(database, args.run_id)
        summary = summarize_run(database, args.run_id)
        with database.session() as session:
            row = get_run(session, args.run_id)
            alive = row is not None and is_driver_alive(row)
    where = (f"Ray job {run['ray_job_id']}" if run["ray_job_id"]
             else f"local pid {run['driver_pid']}" if run["driver_pid"] else None)
    stale = summary.status == RunStatus.running and not run["ray_job_id"] and not alive
    if args.json:
        document = {**summary.to_json(), "status_reason": summary.status_reason,
                    "n_running": summary.n_running, "n_budget": summary.n_budget,
                    "driver": where, "driver_alive": alive if not run["ray_job_id"] else None,
                    "started_at": _iso(run["started_at"]), "finished_at": _iso(run["finished_at"])}
        print(json.dumps(document))
        return 0
    print(format_summary(summary))
    if where:
        active = summary.status in UNDER_WAY_RUN_STATUSES
        print(f"driver: {where}" + ((" (running)" if active else " (exiting)") if alive else ""))
    if stale:
        print(f"the driver is no longer running; `optunagui run --resume {args.run_id}` "
              "continues the run")
    return 0


def _logs(args: argparse.Namespace) -> int:
    from cluster.launch.submit import SubmitError, fetch_logs

    settings = load_settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        try:
            text = fetch_logs(args.run_id, settings, max_chars=args.tail, db=database)
        except SubmitError as error:
            raise CliError(str(error)) from None
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return 0


def _stop(args: argparse.Namespace) -> int:
    client = remote(args)
    if client is not None:
        return remote_control(client, "stop", args.run_id)
    from cluster.launch.submit import SubmitError, stop_run

    settings = load_settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        try:
            outcome = stop_run(args.run_id, settings, timeout_s=args.timeout, db=database)
        except SubmitError as error:
            raise CliError(str(error)) from None
        status = summarize_run(database, args.run_id).status
    if outcome.request_id is None:
        print(f"run {args.run_id}: {status}" + (" (no driver was running)"
                                                if status == RunStatus.stopped else ""))
    elif outcome.acknowledged:
        print(f"run {args.run_id}: stop confirmed by the driver; status {status}")
    else:
        print(f"run {args.run_id}: the driver did not confirm in {args.timeout:g} s and was "
              f"stopped; status {status}")
    return 0


def _best(args: argparse.Namespace) -> int:
    client = remote(args)
    if client is not None:
        return remote_best(client, args)
    settings = load_settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        summary = summarize_run(database, args.run_id)
        if summary.best_params is None:
            raise CliError(f"run {args.run_id} has no complete trial yet ({summary.status})")
        path = write_best_params(settings, database, args.run_id)
    if args.json:
        print(json.dumps({"run_id": summary.run_id, "trial_number": summary.best_trial,
                          "best_value": summary.best_value, "best_params": summary.best_params}))
        return 0
    print(f"best value: {summary.best_value} (trial {summary.best_trial})")
    if summary.quick:
        print(QUICK_LINE)
    for name, value in summary.best_params.items():
        print(f"  {name} = {value!r}")
    print(f"written to {path}")
    return 0


def _train_best(args: argparse.Namespace) -> int:
    from optunagui.training import TrainingError, train_best

    settings = load_settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        try:
            document = train_best(
                database, settings, args.run_id, device=args.device,
                output=Path(args.output) if args.output else None, zip=args.zip,
                log=lambda text: print(text, file=sys.stderr, flush=True))
        except TrainingError as error:
            raise CliError(str(error)) from None
    if args.json:
        print(json.dumps(document))
        return 0
    primary, scores = document["test_metric"], document["test_scores"]
    print(f"test {primary}: {document['test_score']:.6g} on {document['n_test_rows']} "
          "held-out rows")
    for name, value in scores.items():
        if name != primary and value is not None:
            print(f"  {name}: {value:.6g}")
    print(f"model saved to {document['model_path']} ({document['model_format']})")
    print(f"model version {document['version']} packaged in {document['package_path']}"
          + (f" and {document['package_zip']}" if document["package_zip"] else ""))
    return 0


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
