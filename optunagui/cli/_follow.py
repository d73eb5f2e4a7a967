"""Start a run's driver from the command line and follow the run to its end.

The driver starts the way the dashboard starts it (`cluster.launch.start.start_runs`). The
run is followed in the database with a progress bar (finished trials out of the budget,
pruned and failed counts, best so far) and ends with a summary. Ctrl-C asks the driver to
stop; a second Ctrl-C leaves the run going and returns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cluster.launch.start import start_runs
from cluster.launch.submit import SubmitError, fetch_logs, is_driver_alive, stop_run
from optunagui.cli._runs import (
    CliError,
    RunSummary,
    format_summary,
    print_error,
    summarize_run,
    write_best_params,
)
from optunagui.status import UNDER_WAY_RUN_STATUSES, RunStatus
from optunagui.store import get_run

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.store import Database

__all__ = ["POLL_S", "start_and_follow"]

POLL_S = 0.5
_ENDED_WELL = (RunStatus.completed, RunStatus.stopped, RunStatus.paused)


def start_and_follow(run_id: int, settings: Settings, database: Database,
                     args: argparse.Namespace, *, resume: bool) -> int:
    """Start the run's driver, then follow it unless ``args.detach``; the exit code."""
    _start(run_id, settings, database, resume=resume)
    if args.detach:
        print(f"run {run_id} started; `optunagui status {run_id}` follows it")
        return 0
    summary = _follow(run_id, settings, database, quiet=args.json)
    path = write_best_params(settings, database, run_id)
    if args.json:
        print(json.dumps(summary.to_json()), flush=True)
    else:
        print(format_summary(summary))
        if path is not None:
            print(f"best params written to {path}")
        _print_run_files(path.parent if path is not None else settings.runs_dir / str(run_id))
    return 0 if summary.status in _ENDED_WELL else 1


def _print_run_files(folder: Path) -> None:
    plots = sorted(p.name for p in folder.glob("*.html")) if folder.is_dir() else []
    if plots:
        print(f"interactive plots in {folder}: {', '.join(plots)}")


def _start(run_id: int, settings: Settings, database: Database, *, resume: bool) -> None:
    started = start_runs([run_id], settings, db=database, resume=resume)
    if run_id in started.failures:
        raise CliError(started.failures[run_id])
    launch = started.launches[run_id]
    if launch is not None:
        where = (f"Ray job {launch.ray_job_id}" if launch.ray_job_id
                 else f"pid {launch.driver_pid}")
        print(f"run {run_id}: driver started ({where})", file=sys.stderr, flush=True)


def _follow(run_id: int, settings: Settings, database: Database, *, quiet: bool) -> RunSummary:
    """Poll the run until it is no longer queued or running; the final summary."""
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
        task = progress.add_task("run", total=None, run_id=run_id, status=RunStatus.queued,
                                 detail="")
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
                if summary.status not in UNDER_WAY_RUN_STATUSES:
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
    with database.session() as session:
        run = get_run(session, run_id)
        if run is None or run.ray_job_id or is_driver_alive(run):
            return
    time.sleep(1.0)  # the driver may have just written its final status
    if summarize_run(database, run_id).status not in UNDER_WAY_RUN_STATUSES:
        return
    log = fetch_logs(run_id, settings, max_chars=2000, db=database)
    raise CliError(
        f"the driver of run {run_id} exited without finishing it; "
        f"`optunagui run --resume {run_id}` continues it. Last driver output:\n{log}"
    )


def _request_stop(run_id: int, settings: Settings, database: Database) -> None:
    print(f"\nstopping run {run_id} (running trials end, finished ones are kept; "
          "Ctrl-C again to leave it running)", file=sys.stderr, flush=True)
    try:
        stop_run(run_id, settings, wait=False, db=database)
    except SubmitError as error:
        print_error(str(error))
