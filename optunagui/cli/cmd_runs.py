"""`optunagui status|logs|stop|best|train-best RUN_ID`: look at, stop, and use a run's result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.cli._runs import (
    CliError,
    format_summary,
    open_database,
    require_run,
    summarize_run,
    write_best_params,
)

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["register", "save_model"]


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
        help="refit the best trial's pipeline on all training data, score it on the test split",
    )
    train.add_argument("run_id", type=int, metavar="RUN_ID")
    train.add_argument("--output", metavar="PATH",
                       help="where to save the model (default: <data dir>/runs/RUN_ID/"
                            "best_model.skops, or .joblib when skops cannot save it)")
    train.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                       help="train XGBoost / the MLP on this device (default cpu)")
    train.add_argument("--json", action="store_true", help="print one JSON object")
    train.set_defaults(handler=_train_best)


def _settings() -> Settings:
    from optunagui.config import load_settings

    return load_settings()


def _status(args: argparse.Namespace) -> int:
    from cluster.submit import is_driver_alive
    from optunagui.store import get_run

    settings = _settings()
    with open_database(settings) as database:
        run = require_run(database, args.run_id)
        summary = summarize_run(database, args.run_id)
        with database.session() as session:
            alive = is_driver_alive(get_run(session, args.run_id))
    where = (f"Ray job {run['ray_job_id']}" if run["ray_job_id"]
             else f"local pid {run['driver_pid']}" if run["driver_pid"] else None)
    stale = summary.status == "running" and not run["ray_job_id"] and not alive
    if args.json:
        document = {**summary.to_json(), "status_reason": summary.status_reason,
                    "n_running": summary.n_running, "n_budget": summary.n_budget,
                    "driver": where, "driver_alive": alive if not run["ray_job_id"] else None,
                    "started_at": _iso(run["started_at"]), "finished_at": _iso(run["finished_at"])}
        print(json.dumps(document))
        return 0
    print(format_summary(summary))
    if where:
        active = summary.status in ("queued", "running")
        print(f"driver: {where}" + ((" (running)" if active else " (exiting)") if alive else ""))
    if stale:
        print(f"the driver is no longer running; `optunagui run --resume {args.run_id}` "
              "continues the run")
    return 0


def _logs(args: argparse.Namespace) -> int:
    from cluster.submit import SubmitError, fetch_logs

    settings = _settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        try:
            text = fetch_logs(args.run_id, settings, max_chars=args.tail, db=database)
        except SubmitError as error:
            raise CliError(str(error)) from None
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from cluster.submit import SubmitError, stop_run

    settings = _settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        try:
            outcome = stop_run(args.run_id, settings, timeout_s=args.timeout, db=database)
        except SubmitError as error:
            raise CliError(str(error)) from None
        status = summarize_run(database, args.run_id).status
    if outcome.request_id is None:
        print(f"run {args.run_id}: {status}" + (" (no driver was running)"
                                                if status == "stopped" else ""))
    elif outcome.acknowledged:
        print(f"run {args.run_id}: stop confirmed by the driver; status {status}")
    else:
        print(f"run {args.run_id}: the driver did not confirm in {args.timeout:g} s and was "
              f"stopped; status {status}")
    return 0


def _best(args: argparse.Namespace) -> int:
    settings = _settings()
    with open_database(settings) as database:
        require_run(database, args.run_id)
        summary = summarize_run(database, args.run_id)
    if summary.best_params is None:
        raise CliError(f"run {args.run_id} has no complete trial yet ({summary.status})")
    path = write_best_params(settings, summary)
    if args.json:
        print(json.dumps({"run_id": summary.run_id, "trial_number": summary.best_trial,
                          "best_value": summary.best_value, "best_params": summary.best_params}))
        return 0
    print(f"best value: {summary.best_value} (trial {summary.best_trial})")
    for name, value in summary.best_params.items():
        print(f"  {name} = {value!r}")
    print(f"written to {path}")
    return 0


def _train_best(args: argparse.Namespace) -> int:
    from optunagui.objective import fit_best, load_run_dataset, prepare_data
    from optunagui.spec import ExperimentSpec

    settings = _settings()
    with open_database(settings) as database:
        run = require_run(database, args.run_id)
        summary = summarize_run(database, args.run_id)
    if summary.best_params is None:
        raise CliError(f"run {args.run_id} has no complete trial to train ({summary.status})")
    spec = ExperimentSpec.model_validate(run["spec"])
    try:
        dataset = load_run_dataset(spec, settings)
    except (OSError, ValueError) as error:
        raise CliError(f"dataset of run {args.run_id}: {error}") from None
    data = prepare_data(spec, dataset)
    print(f"run {args.run_id}: fitting trial {summary.best_trial}'s pipeline on "
          f"{len(data.y_train)} rows", file=sys.stderr, flush=True)
    pipeline, scores = fit_best(spec, summary.best_params, data, device=args.device)
    default = settings.runs_dir / str(args.run_id) / "best_model.skops"
    path, fmt = save_model(pipeline, Path(args.output) if args.output else default)
    primary = spec.metrics[0].name if spec.metrics else next(iter(scores), None)
    document = {
        "run_id": args.run_id,
        "trial_number": summary.best_trial,
        "params": summary.best_params,
        "test_metric": primary,
        "test_score": _finite(scores.get(primary)) if primary else None,
        "test_scores": {k: _finite(v) for k, v in scores.items()},
        "n_test_rows": len(data.y_test),
        "model_path": str(path),
        "model_format": fmt,
    }
    path.with_name(path.stem + ".json").write_text(json.dumps(document, indent=2) + "\n")
    if args.json:
        print(json.dumps(document))
        return 0
    print(f"test {primary}: {document['test_score']:.6g} on {len(data.y_test)} held-out rows")
    for name, value in scores.items():
        if name != primary:
            print(f"  {name}: {value:.6g}")
    print(f"model saved to {path} ({fmt})")
    return 0


def save_model(pipeline: Any, path: Path) -> tuple[Path, str]:
    """Save with skops when it can (a format loaded without running code), else joblib.

    Returns:
        The path written and its format ("skops" or "joblib").
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix != ".joblib":
        import skops.io

        target = path if path.suffix == ".skops" else path.with_suffix(".skops")
        try:
            skops.io.dump(pipeline, target)
            return target, "skops"
        except Exception as error:  # a type skops cannot write: fall back to joblib
            target.unlink(missing_ok=True)
            print(f"skops cannot save this model ({type(error).__name__}: {error}); "
                  "saving with joblib", file=sys.stderr)
    import joblib

    target = path.with_suffix(".joblib")
    joblib.dump(pipeline, target)
    return target, "joblib"


def _finite(value: Any) -> float | None:
    import math

    return float(value) if value is not None and math.isfinite(float(value)) else None


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
