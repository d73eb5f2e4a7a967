"""Launch, stop and read the logs of a run's driver (``python -m cluster.driver RUN_ID``).

Two places a driver runs:

- embedded (no ``RAY_ADDRESS``): a detached process on this machine, in its own session, so
  a restart of the dashboard or the CLI that launched it does not end it; its output goes to
  ``<data dir>/runs/<run id>/driver.log`` and its pid is stored on the run;
- cluster (``RAY_ADDRESS`` set): a Ray Job on the cluster's head node; the job id is stored
  on the run, logs come from the job server, and a stop the driver does not confirm in time
  stops the job. Authentication: see `cluster.launch.jobs`.

Either way the driver learns the database and the data directory from
``OPTUNAGUI_DATABASE_URL`` and ``OPTUNAGUI_DATA_DIR``.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cluster.launch.jobs import SubmitError, build_job_client, is_local_address, job_is_finished
from cluster.launch.local_driver import (
    DRIVER_MODULE,
    is_driver_process,
    spawn_driver,
    terminate_driver,
)
from optunagui.status import TERMINAL_RUN_STATUSES, RunStatus
from optunagui.store import Database, InvalidState, NotFound
from optunagui.store.control import request_control
from optunagui.store.runs import get_run, set_run_process, update_run_status

if TYPE_CHECKING:
    from ray.job_submission import JobSubmissionClient
    from sqlalchemy.orm import Session

    from optunagui.config import Settings
    from optunagui.store import Run

__all__ = [
    "Launch",
    "StopOutcome",
    "SubmitError",
    "driver_log_path",
    "fetch_logs",
    "is_driver_alive",
    "stop_run",
    "submit_run",
]

logger = logging.getLogger(__name__)

STOP_TIMEOUT_S = 30.0
PAUSED_EXIT_WAIT_S = 15.0
_POLL_S = 0.5


@dataclass(frozen=True)
class Launch:
    """How a run's driver was started.

    Attributes:
        mode: "local" (a process on this machine) or "ray_job" (a job on a Ray cluster).
        driver_pid: the local driver's process id.
        ray_job_id: the Ray Job's submission id.
        log_path: the local driver's log file.
        address: the Ray cluster address the job went to.
    """

    run_id: int
    mode: Literal["local", "ray_job"]
    driver_pid: int | None = None
    ray_job_id: str | None = None
    log_path: Path | None = None
    address: str | None = None


@dataclass(frozen=True)
class StopOutcome:
    """What stop_run did.

    Attributes:
        status: the run's status afterwards ("running" while its trials wind down).
        request_id: the stop request written for the driver (None when no driver was running).
        acknowledged: the driver confirmed the request.
        forced: the driver did not confirm in time; its job/process was stopped.
    """

    run_id: int
    status: str
    request_id: str | None
    acknowledged: bool
    forced: bool


def driver_log_path(settings: Settings, run_id: int) -> Path:
    return settings.runs_dir / str(run_id) / "driver.log"


def submit_run(
    run_id: int,
    settings: Settings,
    *,
    resume: bool = False,
    db: Database | None = None,
    environ: Mapping[str, str] | None = None,
) -> Launch:
    """Start the run's driver: a Ray Job when a cluster address is set, else a local process.

    Args:
        resume: pass ``--resume`` to the driver (it also resumes a paused run, or one whose
            driver died, on its own).
        db: the caller's Database (default: one on ``settings.database_url``).
        environ: the environment to read RAY_AUTH_* from and to give a local driver
            (default: this process's).

    Raises:
        SubmitError: unknown or finished run, a driver already running, a SQLite database
            with a remote cluster, or a cluster that cannot be reached.
    """
    env = dict(os.environ if environ is None else environ)
    with _database(settings, db) as database:
        with database.session() as session:
            run = get_run(session, run_id)
            if run is None:
                raise SubmitError(f"run {run_id} does not exist")
            if run.status in TERMINAL_RUN_STATUSES:
                raise SubmitError(f"run {run_id} has finished ({run.status}); clone it instead")
            previous_job = run.ray_job_id
            pid, paused = run.driver_pid, run.status == RunStatus.paused
        # A pausing driver records "paused" while it still saves Tune's state: let it finish.
        if previous_job is None and is_driver_process(pid, run_id) and not (
            paused and _wait(lambda: not is_driver_process(pid, run_id), PAUSED_EXIT_WAIT_S)
        ):
            raise SubmitError(f"run {run_id} already has a driver (pid {pid})")
        arguments = [str(run_id), *(["--resume"] if resume else [])]
        if settings.ray_address:
            launch = _submit_job(run_id, arguments, settings, env, previous_job)
        else:
            launch = _spawn_local(run_id, arguments, settings, env)
        with database.session() as session:
            set_run_process(
                session, run_id, ray_job_id=launch.ray_job_id, driver_pid=launch.driver_pid
            )
    return launch


def is_driver_alive(run: Run) -> bool:
    """True while the run's local driver process is running (not exited, not a zombie).

    The pid is checked to still be ``cluster.driver`` for this run, so a reused pid of some
    other process does not count. Only meaningful on the machine that launched the driver.
    """
    return is_driver_process(run.driver_pid, run.id)


def stop_run(
    run_id: int,
    settings: Settings,
    *,
    timeout_s: float = STOP_TIMEOUT_S,
    wait: bool = True,
    requested_by: int | None = None,
    db: Database | None = None,
    environ: Mapping[str, str] | None = None,
) -> StopOutcome:
    """Ask the run's driver to stop; stop its job (or process) if it does not confirm.

    The driver confirms within a few seconds and lets the running trials end, keeping their
    results. A run whose driver is not running (queued, paused, crashed) is marked stopped
    at once.

    Args:
        timeout_s: how long to wait for the driver's confirmation before stopping the Ray
            Job (or terminating the local process). 0: write the request only.
        wait: False: return right after writing the request and enforce the timeout from a
            background thread (for callers that must not block, like a dashboard callback).
        requested_by: the user asking (kept with the request).

    Raises:
        SubmitError: unknown run, or the cluster cannot be reached.
    """
    env = os.environ if environ is None else environ
    with _database(settings, db) as database:
        with database.session() as session:
            run = get_run(session, run_id)
            if run is None:
                raise SubmitError(f"run {run_id} does not exist")
            if run.status in TERMINAL_RUN_STATUSES:
                return StopOutcome(run_id, run.status, None, acknowledged=False, forced=False)
            job_id, driver_pid = run.ray_job_id, run.driver_pid
        client = build_job_client(_address_for(run_id, settings, job_id), env) if job_id else None
        if client is not None and job_id is not None:
            alive = not job_is_finished(client, job_id)
        else:
            alive = is_driver_alive(run)
        if not alive:
            return _mark_stopped(database, run_id, "stopped while no driver was running")
        with database.session() as session:
            request = request_control(session, run_id, "stop", requested_by=requested_by)
            status = _status(session, run_id)
        enforcer = _StopEnforcer(run_id, request["id"], timeout_s, client, job_id, driver_pid)
        if timeout_s <= 0:
            return StopOutcome(run_id, status, request["id"], acknowledged=False, forced=False)
        if wait:
            return enforcer(database)
    threading.Thread(
        target=enforcer.run_with_own_database,
        args=(settings.database_url, db),
        name=f"optunagui-stop-run-{run_id}",
        daemon=True,
    ).start()
    return StopOutcome(run_id, status, request["id"], acknowledged=False, forced=False)


@dataclass
class _StopEnforcer:
    """Waits for the driver to confirm a stop request; stops its job or process if not."""

    run_id: int
    request_id: str
    timeout_s: float
    client: JobSubmissionClient | None
    job_id: str | None
    driver_pid: int | None

    def __call__(self, database: Database) -> StopOutcome:
        if _wait_for_ack(
            database, self.run_id, self.request_id, self.timeout_s, self.client, self.job_id
        ):
            with database.session() as session:
                status = _status(session, self.run_id)
            return StopOutcome(self.run_id, status, self.request_id, True, forced=False)
        waited = f"the driver did not confirm the stop within {self.timeout_s:g} s"
        client, job_id = self.client, self.job_id
        if client is not None and job_id is not None:
            client.stop_job(job_id)
            _wait(lambda: job_is_finished(client, job_id), 15.0)
            reason = f"{waited}; job stopped"
        else:
            terminate_driver(self.driver_pid, self.run_id)
            reason = f"{waited}; terminated"
        outcome = _mark_stopped(database, self.run_id, reason)
        return StopOutcome(self.run_id, outcome.status, self.request_id, False, forced=True)

    def run_with_own_database(self, database_url: str, db: Database | None) -> None:
        try:
            if db is not None:
                self(db)
                return
            database = Database(database_url)
            try:
                self(database)
            finally:
                database.dispose()
        except Exception:  # a background thread: log, never raise into nothing
            logger.exception("run %s: enforcing the stop request failed", self.run_id)


def fetch_logs(
    run_id: int,
    settings: Settings,
    *,
    max_chars: int | None = None,
    db: Database | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The driver's output: the Ray Job's logs, or the local ``driver.log``.

    Args:
        max_chars: keep only the last this many characters.

    Raises:
        SubmitError: unknown run, or its job's cluster cannot be reached.
    """
    with _database(settings, db) as database, database.session() as session:
        run = get_run(session, run_id)
        if run is None:
            raise SubmitError(f"run {run_id} does not exist")
        job_id = run.ray_job_id
    if job_id:
        client = build_job_client(_address_for(run_id, settings, job_id), environ)
        try:
            text = client.get_job_logs(job_id)
        except RuntimeError as error:
            raise SubmitError(f"no logs for run {run_id} (Ray job {job_id}): {error}") from None
    else:
        path = driver_log_path(settings, run_id)
        text = path.read_text(errors="replace") if path.is_file() else ""
    return text[-max_chars:] if max_chars else text


def _submit_job(
    run_id: int,
    arguments: list[str],
    settings: Settings,
    env: Mapping[str, str],
    previous_job: str | None,
) -> Launch:
    address = settings.ray_address or ""
    if settings.is_embedded_database and not is_local_address(address):
        raise SubmitError(
            f"the database is a SQLite file on this machine, which the Ray cluster at {address} "
            "cannot reach; set OPTUNAGUI_DATABASE_URL to a PostgreSQL database the head node "
            "can connect to"
        )
    client = build_job_client(address, env)
    if previous_job and not job_is_finished(client, previous_job):
        raise SubmitError(f"run {run_id} already has a driver (Ray job {previous_job})")
    submission_id = f"optunagui-run-{run_id}-{uuid.uuid4().hex[:8]}"
    client.submit_job(
        entrypoint=shlex.join(["python", "-m", DRIVER_MODULE, *arguments]),
        submission_id=submission_id,
        runtime_env={"env_vars": _driver_settings_env(settings)},
        metadata={"optunagui_run_id": str(run_id)},
    )
    return Launch(run_id, "ray_job", ray_job_id=submission_id, address=address)


def _spawn_local(
    run_id: int, arguments: list[str], settings: Settings, env: dict[str, str]
) -> Launch:
    log_path = driver_log_path(settings, run_id)
    env.update(_driver_settings_env(settings))
    env.pop("RAY_ADDRESS", None)  # the embedded driver starts its own local Ray
    try:
        pid = spawn_driver(arguments, log_path, env, cwd=settings.data_dir)
    except (subprocess.SubprocessError, ValueError, OSError) as error:
        raise SubmitError(f"could not start the driver for run {run_id}: {error}") from None
    return Launch(run_id, "local", driver_pid=pid, log_path=log_path)


def _driver_settings_env(settings: Settings) -> dict[str, str]:
    return {
        "OPTUNAGUI_DATABASE_URL": settings.database_url,
        "OPTUNAGUI_DATA_DIR": str(settings.data_dir),
    }


def _address_for(run_id: int, settings: Settings, job_id: str) -> str:
    if not settings.ray_address:
        raise SubmitError(
            f"run {run_id} runs as Ray job {job_id} on a cluster; set RAY_ADDRESS to that "
            "cluster's job server (http://<head>:8265) to reach it"
        )
    return settings.ray_address


def _wait_for_ack(
    database: Database,
    run_id: int,
    request_id: str,
    timeout_s: float,
    client: JobSubmissionClient | None,
    job_id: str | None,
) -> bool:
    """Wait for the driver to confirm `request_id` (or to finish the run, or its job to end)."""
    confirmed = False

    def done() -> bool:
        nonlocal confirmed
        with database.session() as session:
            run = get_run(session, run_id)
            confirmed = run is None or (  # a run that is gone has nothing left to stop
                run.control_ack_id == request_id or run.status in TERMINAL_RUN_STATUSES
            )
        return confirmed or (
            client is not None and job_id is not None and job_is_finished(client, job_id)
        )

    _wait(done, timeout_s)
    return confirmed


def _wait(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_S)


def _mark_stopped(database: Database, run_id: int, reason: str) -> StopOutcome:
    run: Run | None
    with database.session() as session:
        try:
            run = update_run_status(session, run_id, RunStatus.stopped, reason=reason)
        except (InvalidState, NotFound):
            run = get_run(session, run_id)
        status = run.status if run is not None else RunStatus.stopped
    return StopOutcome(run_id, status, None, acknowledged=False, forced=False)


def _status(session: Session, run_id: int) -> str:
    run = get_run(session, run_id)
    if run is None:
        raise SubmitError(f"run {run_id} does not exist")
    return run.status


@contextmanager
def _database(settings: Settings, db: Database | None) -> Iterator[Database]:
    if db is not None:
        yield db
        return
    database = Database(settings.database_url)
    try:
        yield database
    finally:
        database.dispose()
