"""`optunagui run SPEC.yaml` and `optunagui run --resume RUN_ID`: execute a run and follow it.

The run's driver starts the way the dashboard starts it (`cluster.launch.submit.submit_run`): a
local process with its own Ray, or a Ray Job when ``RAY_ADDRESS`` is set. This command
follows the run in the database with a progress bar (finished trials out of the budget,
pruned and failed counts, best so far) and ends with a summary; ``--json`` prints the
summary as one JSON object on the last line of standard output. The best parameters are
written to ``<data dir>/runs/<run id>/best_params.json``.

Ctrl-C asks the driver to stop (running trials end, results are kept); a second Ctrl-C
leaves the run going and returns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.cli._runs import (
    CliError,
    RunSummary,
    format_summary,
    open_database,
    print_error,
    require_run,
    summarize_run,
    write_best_params,
)

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

__all__ = ["CLI_USERNAME", "DEFAULT_EXPERIMENT", "build_run_spec", "register"]

CLI_USERNAME = "cli"
DEFAULT_EXPERIMENT = "command line"
POLL_S = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a spec (or resume a run) and follow it to the end",
        description="Run a spec, following its progress; or resume a paused or broken run.",
    )
    run.add_argument("spec", nargs="?", help="a YAML or JSON spec file")
    run.add_argument("--resume", type=int, metavar="RUN_ID",
                     help="continue a paused run, or one whose driver died")
    run.add_argument("--n-trials", type=int, metavar="N", help="override budget.n_trials")
    run.add_argument("--sampler", metavar="S", help="override sampler.name (tpe, random, ...)")
    run.add_argument("--pruner", metavar="P", help="override pruner.name (asha, median, none)")
    run.add_argument("--study-name", metavar="NAME", help="the Optuna study's name")
    run.add_argument("--max-concurrent", type=int, metavar="K",
                     help="override budget.max_concurrent")
    run.add_argument("--experiment", default=DEFAULT_EXPERIMENT, metavar="NAME",
                     help=f"the experiment the run belongs to (default: {DEFAULT_EXPERIMENT!r})")
    run.add_argument("--detach", action="store_true",
                     help="start the run and return at once (follow it with `optunagui status`)")
    run.add_argument("--json", action="store_true",
                     help="print the summary as one JSON object on the last line")
    run.set_defaults(handler=_run)

    replay = subparsers.add_parser(
        "replay",
        help="run a run again with its exact settings (spec, dataset version, seeds)",
        description="Start a new run with another run's spec, dataset version and seeds, in "
                    "the same experiment, and follow it. With a seeded sampler and one trial "
                    "at a time the same parameters are suggested in the same order.",
    )
    replay.add_argument("run_id", type=int, metavar="RUN_ID", help="the run to replay")
    replay.add_argument("--detach", action="store_true",
                        help="start the replay and return without following it")
    replay.add_argument("--json", action="store_true",
                        help="print the summary as one JSON object on the last line")
    replay.set_defaults(handler=_replay)


def build_run_spec(
    path: str,
    *,
    n_trials: int | None = None,
    sampler: str | None = None,
    pruner: str | None = None,
    max_concurrent: int | None = None,
) -> ExperimentSpec:
    """Read a spec file, apply the command line's overrides, validate the result.

    Raises:
        SpecError: a missing or unreadable file, or a spec with problems (all of them).
    """
    from optunagui.spec.io import read_spec_file
    from optunagui.spec.validation import validate_spec

    raw: dict[str, Any] = read_spec_file(path)
    overrides = {
        ("budget", "n_trials"): n_trials,
        ("budget", "max_concurrent"): max_concurrent,
        ("sampler", "name"): sampler,
        ("pruner", "name"): pruner,
    }
    for (section, field), value in overrides.items():
        if value is None:
            continue
        current = raw.get(section)
        raw[section] = {**(current if isinstance(current, dict) else {}), field: value}
    return validate_spec(raw, base_dir=Path(path).resolve().parent)


def _run(args: argparse.Namespace) -> int:
    from optunagui.config import load_settings

    settings = load_settings()
    if (args.spec is None) == (args.resume is None):
        raise CliError("give a spec file to run, or --resume RUN_ID (not both)", 2)
    if args.resume is not None:
        extra = [flag for flag, value in (
            ("--n-trials", args.n_trials), ("--sampler", args.sampler),
            ("--pruner", args.pruner), ("--study-name", args.study_name),
            ("--max-concurrent", args.max_concurrent)) if value is not None]
        if extra:
            raise CliError(f"{', '.join(extra)} cannot change a run being resumed", 2)
    with open_database(settings, upgrade=True) as database:
        if args.resume is not None:
            run_id = args.resume
            require_run(database, run_id)
        else:
            run_id = _create_run(database, args)
        return _launch_and_follow(run_id, settings, database, args,
                                  resume=args.resume is not None)


def _replay(args: argparse.Namespace) -> int:
    from optunagui.config import load_settings
    from optunagui.replay import ReplayError, create_replay

    settings = load_settings()
    with open_database(settings, upgrade=True) as database:
        try:
            with database.session() as session:
                replay = create_replay(session, args.run_id, created_by=_cli_user(session))
        except ReplayError as error:
            raise CliError(str(error)) from None
        print(f"run {replay.run_id} replays run {args.run_id}", file=sys.stderr)
        for warning in replay.warnings:
            print(f"note: {warning}", file=sys.stderr)
        return _launch_and_follow(replay.run_id, settings, database, args, resume=False)


def _launch_and_follow(run_id: int, settings: Settings, database: Database,
                       args: argparse.Namespace, *, resume: bool) -> int:
    _launch(run_id, settings, database, resume=resume)
    if args.detach:
        print(f"run {run_id} started; `optunagui status {run_id}` follows it")
        return 0
    summary = _follow(run_id, settings, database, quiet=args.json)
    path = write_best_params(settings, summary)
    if args.json:
        print(json.dumps(summary.to_json()), flush=True)
    else:
        print(format_summary(summary))
        if path is not None:
            print(f"best params written to {path}")
    return 0 if summary.status in ("completed", "stopped", "paused") else 1


def _create_run(database: Database, args: argparse.Namespace) -> int:
    from optunagui.spec.validation import SpecError
    from optunagui.store import Conflict

    try:
        spec = build_run_spec(args.spec, n_trials=args.n_trials, sampler=args.sampler,
                              pruner=args.pruner, max_concurrent=args.max_concurrent)
    except SpecError as error:
        problems = "\n".join(f"  {p}" for p in error.problems)
        raise CliError(f"{args.spec}: {len(error.problems)} problem(s)\n{problems}") from None
    from optunagui.store import create_experiment, create_run

    with database.session() as session:
        user_id = _cli_user(session)
        experiment_id = _experiment_named(session, args.experiment, user_id)
        if experiment_id is None:
            try:
                experiment_id = create_experiment(session, args.experiment, user_id).id
            except ValueError as error:
                raise CliError(f"--experiment: {error}") from None
    try:
        with database.session() as session:
            run = create_run(session, experiment_id, spec.name, spec, created_by=user_id,
                             study_name=args.study_name)
            return run.id
    except Conflict:
        raise CliError(
            f"--study-name: the study name {args.study_name!r} is already used by another run"
        ) from None


def _cli_user(session: Any) -> int:
    """The account that owns runs started from the command line (it cannot sign in)."""
    from optunagui.store import create_user, get_user_by_name

    user = get_user_by_name(session, CLI_USERNAME)
    if user is None:
        # "!" is no password hash at all: nobody can sign in as this account.
        user = create_user(session, CLI_USERNAME, "!")
    return user.id


def _experiment_named(session: Any, name: str, user_id: int) -> int | None:
    from optunagui.store import list_experiments_for_user

    for access in list_experiments_for_user(session, user_id):
        if access.experiment.name == name.strip() and access.role == "owner":
            return access.experiment.id
    return None


def _launch(run_id: int, settings: Settings, database: Database, *, resume: bool) -> None:
    from cluster.launch.submit import SubmitError, submit_run

    try:
        launch = submit_run(run_id, settings, resume=resume, db=database)
    except SubmitError as error:
        raise CliError(str(error)) from None
    where = f"Ray job {launch.ray_job_id}" if launch.ray_job_id else f"pid {launch.driver_pid}"
    print(f"run {run_id}: driver started ({where})", file=sys.stderr, flush=True)


def _follow(run_id: int, settings: Settings, database: Database, *, quiet: bool) -> RunSummary:
    """Poll the run until it is no longer queued or running; the final summary."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]run {task.fields[run_id]}[/bold] {task.fields[status]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
    )
    interrupts = 0
    with progress:
        task = progress.add_task("run", total=None, run_id=run_id, status="queued", detail="")
        last_line = ""
        while True:
            try:
                summary = summarize_run(database, run_id)
                progress.update(task, total=summary.n_budget, completed=summary.n_finished,
                                status=summary.status, detail=_detail(summary))
                if not quiet and not console.is_terminal:
                    line = _plain_line(summary)
                    if line != last_line:
                        print(line, file=sys.stderr, flush=True)
                        last_line = line
                if summary.status not in ("queued", "running"):
                    return summary
                _check_driver(run_id, settings, database)
                time.sleep(POLL_S)
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts > 1:
                    raise CliError(
                        f"run {run_id} goes on; `optunagui stop {run_id}` stops it", 130
                    ) from None
                _request_stop(run_id, settings, database)


def _detail(summary: RunSummary) -> str:
    best = "-" if summary.best_value is None else (
        f"{summary.best_value:.6g}" if isinstance(summary.best_value, float)
        else ", ".join(f"{v:.4g}" for v in summary.best_value))
    return (f"{summary.n_complete} done, {summary.n_pruned} pruned, {summary.n_failed} failed"
            f"  best {best}")


def _plain_line(summary: RunSummary) -> str:
    budget = f"/{summary.n_budget}" if summary.n_budget else ""
    head = f"run {summary.run_id} {summary.status}: {summary.n_finished}{budget}"
    return f"{head}  {_detail(summary)}"


def _check_driver(run_id: int, settings: Settings, database: Database) -> None:
    """Fail clearly when a local driver died without recording why."""
    from cluster.launch.submit import fetch_logs, is_driver_alive
    from optunagui.store import get_run

    with database.session() as session:
        run = get_run(session, run_id)
        if run is None or run.ray_job_id or is_driver_alive(run):
            return
    time.sleep(1.0)  # the driver may have just written its final status
    if summarize_run(database, run_id).status not in ("queued", "running"):
        return
    log = fetch_logs(run_id, settings, max_chars=2000, db=database)
    raise CliError(
        f"the driver of run {run_id} exited without finishing it; "
        f"`optunagui run --resume {run_id}` continues it. Last driver output:\n{log}"
    )


def _request_stop(run_id: int, settings: Settings, database: Database) -> None:
    from cluster.launch.submit import SubmitError, stop_run

    print(f"\nstopping run {run_id} (running trials end, finished ones are kept; "
          "Ctrl-C again to leave it running)", file=sys.stderr, flush=True)
    try:
        stop_run(run_id, settings, wait=False, db=database)
    except SubmitError as error:
        print_error(str(error))
