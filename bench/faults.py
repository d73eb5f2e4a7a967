"""Faults, with nothing lost: a run of 60 trials, 2 at a time, through six faults.

Each scenario launches a real run (`optunagui run train.py:objective --detach`: a code run,
a trial of ~0.6 s reporting 3 steps), on SQLite and on PostgreSQL, and breaks something
mid-run with real processes:

- ``raises``: the objective raises for some trials (x > 2.5);
- ``worker``: a Ray worker running a trial is SIGKILLed;
- ``driver``: the driver is SIGKILLed, then the run is resumed (`optunagui run --resume`);
- ``dashboard``: `optunagui serve` is SIGKILLed mid-run and started again;
- ``postgres``: the PostgreSQL server is stopped for a few seconds, then started again
  (PostgreSQL only; the bench's own cluster on port 5433, never the shared one);
- ``disk``: the data directory (a 64 MiB tmpfs) fills up mid-run; a launch on the full disk
  is tried; space is freed and the run resumed. SQLite's `PRAGMA integrity_check` after.

For each: finished trials lost (finished in our tables before the fault, not after),
finished trials the study holds but our tables do not (``unrecorded``), trials left running
at the end (ours and the study's), duplicate events (same trial, kind, step within one
attempt), finished trials without their final event, and the time from the fault to the
first trial started after it completing (``recover_s``).

Prints a table and writes bench/results/faults.json. Needs root (tmpfs, pg_ctlcluster).

    .venv/bin/python bench/faults.py [--backend sqlite|postgresql] [--scenario NAME ...]
    .venv/bin/python bench/faults.py --keep-cluster   # leave the 5433 cluster for a rerun
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/faults.py`
    sys.path.insert(0, str(ROOT))

from optunagui.store import Database  # noqa: E402
from optunagui.store.tables import Run, Trial, TrialEvent  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "faults.json"
N_TRIALS = 60
CONCURRENT = 2
FAULT_AFTER = 12  # finished trials before the fault
RUN_TIMEOUT_S = 150.0
PG_VERSION, PG_NAME, PG_PORT, PG_DB = "15", "faults", 5433, "faults"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/{PG_DB}"
PG_AWAY_S = 5.0
DISK_SIZE = "64m"
ADMIN_PASSWORD = "faults bench password"
SECRET_KEY = secrets.token_urlsafe(48)
FINISHED = ("complete", "pruned", "failed")
TERMINAL = ("completed", "stopped", "failed", "paused")
SCENARIOS = ("raises", "worker", "driver", "dashboard", "postgres", "disk")

OBJECTIVES = '''\
import time


def objective(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    for step in range(3):
        time.sleep(0.2)
        trial.report((x - 1.0) ** 2 + 1.0 / (step + 1), step)
    return (x - 1.0) ** 2


def objective_raises(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    for step in range(3):
        time.sleep(0.2)
        trial.report((x - 1.0) ** 2 + 1.0 / (step + 1), step)
    if x > 2.5:
        raise ValueError(f"x={x:.3f} is out of the model's range")
    return (x - 1.0) ** 2
'''


# -- the bench's world: a folder, a data directory, a database --------------------------------


class Bench:
    """One scenario's folder (objective file, data directory), database and processes."""

    def __init__(self, backend: str, *, mount: bool) -> None:
        self.backend = backend
        self.work = Path(tempfile.mkdtemp(prefix=f"faults-{backend}-"))
        (self.work / "train.py").write_text(OBJECTIVES)
        self.data_dir = self.work / "data"
        self.data_dir.mkdir()
        self.mounted = False
        if mount:
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs",
                            str(self.data_dir)], check=True)
            self.mounted = True
        self.url = (f"sqlite:///{self.data_dir / 'optunagui.db'}" if backend == "sqlite"
                    else PG_URL)
        if backend == "postgresql":
            reset_postgres()
        self.env = {**os.environ, "OPTUNAGUI_DATA_DIR": str(self.data_dir),
                    "OPTUNAGUI_DATABASE_URL": self.url, "PYTHONPATH": str(ROOT)}
        self.env.pop("RAY_ADDRESS", None)
        self.db: Database | None = None
        self.mine: set[int] = set()  # processes started for this bench (and their children)
        self.server: subprocess.Popen[bytes] | None = None
        self.port = 0

    def database(self) -> Database:
        if self.db is None:
            self.db = Database(self.url)
        return self.db

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "optunagui", *args], cwd=self.work,
                              env=self.env, capture_output=True, text=True, timeout=timeout)

    def launch(self, function: str = "objective") -> int:
        done = self.cli("run", f"train.py:{function}", "--n-trials", str(N_TRIALS),
                        "--max-concurrent", str(CONCURRENT), "--pruner", "none",
                        "--sampler", "random", "--seed", "0", "--direction", "minimize",
                        "--detach")
        found = re.search(r"run (\d+) started", done.stdout)
        if found is None:
            raise RuntimeError(f"launch failed: {done.stdout}{done.stderr}")
        return int(found.group(1))

    def remember_processes(self, run_id: int) -> None:
        """The driver and everything under it (Ray's head and workers), to end them later."""
        pid = self.read(lambda s: s.scalar(select(Run.driver_pid).where(Run.id == run_id)))
        if not pid:
            return
        try:
            driver = psutil.Process(pid)
            self.mine.add(pid)
            self.mine.update(child.pid for child in driver.children(recursive=True))
        except psutil.Error:
            pass

    def read(self, query: Callable[[Any], Any], default: Any = None) -> Any:
        """A read on the database; `default` while it cannot be reached."""
        try:
            with self.database().read_session() as session:
                return query(session)
        except Exception:
            return default

    def close(self, logs: Path | None = None) -> None:
        if logs is not None:  # the server's and the drivers' logs, to read after
            for path in [self.work / "serve.log", *self.data_dir.glob("runs/*/driver.log")]:
                if path.exists():
                    name = path.name if path.parent == self.work else f"run{path.parent.name}"
                    shutil.copy(path, logs / f"{self.backend}-{name}.log")
        for pid in sorted(self.mine):
            try:
                process = psutil.Process(pid)
                if process.status() != psutil.STATUS_ZOMBIE:
                    process.kill()
            except psutil.Error:
                pass
        if self.db is not None:
            self.db.dispose()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.data_dir)], check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def pg_ctl(action: str, *extra: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_NAME, action,
                    *extra], check=True, capture_output=True)


def ensure_cluster() -> None:
    if not Path(f"/etc/postgresql/{PG_VERSION}/{PG_NAME}").exists():
        subprocess.run(["pg_createcluster", PG_VERSION, PG_NAME, "--port", str(PG_PORT), "--",
                        "--auth=trust"], check=True, capture_output=True)
    status = subprocess.run(["pg_ctlcluster", PG_VERSION, PG_NAME, "status"],
                            capture_output=True)
    if status.returncode != 0:
        pg_ctl("start")
    if "1" not in psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"):
        psql("postgres", f"CREATE DATABASE {PG_DB}")


def psql(database: str, sql: str) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres",
                           "-d", database, "-tAc", sql], check=True, capture_output=True,
                          text=True).stdout


def reset_postgres() -> None:
    psql(PG_DB, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


def drop_cluster() -> None:
    subprocess.run(["pg_dropcluster", "--stop", PG_VERSION, PG_NAME], check=False,
                   capture_output=True)


# -- what the database says ------------------------------------------------------------------


def trial_states(bench: Bench, run_id: int) -> dict[int, str] | None:
    return bench.read(lambda s: dict(s.execute(
        select(Trial.number, Trial.state).where(Trial.run_id == run_id)).all()))


def finished_numbers(bench: Bench, run_id: int) -> dict[int, str]:
    states = trial_states(bench, run_id) or {}
    return {n: s for n, s in states.items() if s in FINISHED}


def run_status(bench: Bench, run_id: int) -> tuple[str | None, str | None]:
    row = bench.read(lambda s: s.execute(
        select(Run.status, Run.status_reason).where(Run.id == run_id)).first())
    return (row[0], row[1]) if row else (None, None)


def wait_for(condition: Callable[[], bool], timeout_s: float, every_s: float = 0.2) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every_s)
    return False


def wait_finished(bench: Bench, run_id: int, count: int, timeout_s: float = 90) -> bool:
    return wait_for(lambda: len(finished_numbers(bench, run_id)) >= count, timeout_s)


def wait_end(bench: Bench, run_id: int, timeout_s: float = RUN_TIMEOUT_S) -> str | None:
    wait_for(lambda: run_status(bench, run_id)[0] in TERMINAL, timeout_s, every_s=0.5)
    return run_status(bench, run_id)[0]


def last_started(bench: Bench, run_id: int) -> int:
    known = trial_states(bench, run_id) or {}
    return max(known) if known else -1


def time_to_next(bench: Bench, run_id: int, fault_at: float, started_before: int,
                 timeout_s: float = 90) -> float | None:
    """Seconds from `fault_at` until a trial numbered above `started_before` has completed
    (a trial marked failed by the fault's clean-up is not the run moving again)."""

    def moved() -> bool:
        return any(n > started_before and s == "complete"
                   for n, s in finished_numbers(bench, run_id).items())

    if wait_for(moved, timeout_s):
        return round(time.monotonic() - fault_at, 2)
    return None


def study_view(bench: Bench, run_id: int) -> tuple[set[int], int]:
    """The study's finished trial numbers (orphans left out) and how many are RUNNING."""
    import optuna

    study_name = bench.read(lambda s: s.scalar(select(Run.study_name).where(Run.id == run_id)))
    storage = bench.database().optuna_storage()
    study = optuna.load_study(study_name=study_name, storage=storage)
    trials = study.get_trials(deepcopy=False)
    done = {t.number for t in trials if t.state.is_finished() and not t.user_attrs.get("orphaned")}
    running = sum(1 for t in trials if t.state == optuna.trial.TrialState.RUNNING)
    return done, running


def event_checks(bench: Bench, run_id: int, finished: dict[int, str]) -> dict[str, int]:
    """Duplicate events (same trial, kind and step within one attempt) and finished trials
    without their final event."""
    rows = bench.read(lambda s: s.execute(
        select(TrialEvent.trial_number, TrialEvent.kind, TrialEvent.step, TrialEvent.metrics)
        .where(TrialEvent.run_id == run_id).order_by(TrialEvent.id)).all(), [])
    attempts: Counter[int] = Counter()
    seen: Counter[tuple[Any, ...]] = Counter()
    ended: set[int] = set()
    steps: dict[int, set[int]] = {}
    for number, kind, step, metrics in rows:
        if kind == "started":
            attempts[number] += 1
            steps[number] = set()
        if kind == "result" and step is not None:
            steps.setdefault(number, set()).add(step)
        retrying = bool((metrics or {}).get("retrying"))
        seen[(number, kind, step, attempts[number], retrying)] += 1
        if kind in ("completed", "pruned", "failed") and not retrying:
            ended.add(number)
    return {"events": len(rows),
            "duplicate_events": sum(c - 1 for c in seen.values() if c > 1),
            "finished_without_final_event": len(set(finished) - ended),
            "complete_missing_step_events": sum(
                len({0, 1, 2} - steps.get(n, set())) for n, s in finished.items()
                if s == "complete")}


def failure_causes(bench: Bench, run_id: int) -> dict[str, int]:
    errors = bench.read(lambda s: s.scalars(select(Trial.error).where(
        Trial.run_id == run_id, Trial.state == "failed")).all(), [])
    causes: Counter[str] = Counter()
    for error in errors:
        lines = [line for line in (error or "").strip().splitlines() if line.strip()]
        cause = re.sub(r"\d+(\.\d+)?", "N", lines[-1] if lines else "(no message)")
        causes[cause[:90]] += 1
    return dict(causes)


def outcome(bench: Bench, run_id: int, before: dict[int, str]) -> dict[str, Any]:
    """What is lost or left over once the run has ended."""
    after = finished_numbers(bench, run_id)
    states = trial_states(bench, run_id) or {}
    study_done, study_running = study_view(bench, run_id)
    status, reason = run_status(bench, run_id)
    lost = sorted(n for n, s in before.items() if after.get(n) != s)
    return {
        "status": status, "reason": reason,
        "finished_before_fault": len(before),
        "finished_at_end": len(after),
        "complete": sum(1 for s in after.values() if s == "complete"),
        "failed": sum(1 for s in after.values() if s == "failed"),
        "pruned": sum(1 for s in after.values() if s == "pruned"),
        "failed_because": failure_causes(bench, run_id),
        "finished_lost": len(lost), "lost_numbers": lost,
        "unrecorded": len(study_done - set(after)),
        "running_left": sum(1 for s in states.values() if s == "running") + study_running,
        **event_checks(bench, run_id, after),
    }


# -- processes --------------------------------------------------------------------------------


def driver_process(bench: Bench, run_id: int) -> psutil.Process | None:
    pid = bench.read(lambda s: s.scalar(select(Run.driver_pid).where(Run.id == run_id)))
    try:
        process = psutil.Process(pid) if pid else None
        if process and "cluster.driver" in " ".join(process.cmdline()):
            return process
    except psutil.Error:
        pass
    return None


def trial_worker(bench: Bench, run_id: int) -> psutil.Process | None:
    """A Ray worker of this run's driver that is running the trainable right now."""
    driver = driver_process(bench, run_id)
    if driver is None:
        return None
    for child in driver.children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if line.startswith("ray::") and "ImplicitFunc.train" in line:
            return child
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(bench: Bench, port: int) -> subprocess.Popen[bytes]:
    env = {**bench.env, "OPTUNAGUI_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "OPTUNAGUI_SECRET_KEY": SECRET_KEY}  # a shared database needs one
    log = (bench.work / "serve.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "optunagui", "serve", "--port", str(port)],
                               cwd=bench.work, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    bench.mine.add(process.pid)
    return process


def server_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
            return bool(response.status == 200)
    except Exception:
        return False


# -- the faults ------------------------------------------------------------------------------
# Each injects its fault into the running run, waits for the run to move again and returns
# what it measured; `recover_s` is from the fault to the first trial started after it finished.


def fault_worker(bench: Bench, run_id: int) -> dict[str, Any]:
    found: list[psutil.Process] = []

    def running_worker() -> bool:
        worker = trial_worker(bench, run_id)
        found[:] = [worker] if worker is not None else []
        return bool(found)

    if not wait_for(running_worker, 20, every_s=0.05):
        raise RuntimeError("no Ray worker running a trial was found")
    last = last_started(bench, run_id)
    found[0].send_signal(signal.SIGKILL)
    fault_at = time.monotonic()
    return {"recover_s": time_to_next(bench, run_id, fault_at, last), "killed_pid": found[0].pid,
            "killed": " ".join(found[0].cmdline()[:1]) if found[0].is_running() else "ray worker"}


def fault_driver(bench: Bench, run_id: int) -> dict[str, Any]:
    driver = driver_process(bench, run_id)
    if driver is None:
        raise RuntimeError("the run's driver process was not found")
    bench.remember_processes(run_id)
    last = last_started(bench, run_id)
    driver.send_signal(signal.SIGKILL)
    fault_at = time.monotonic()
    wait_for(lambda: not driver.is_running() or driver.status() == psutil.STATUS_ZOMBIE, 10)
    resumed = bench.cli("run", "--resume", str(run_id), "--detach")
    wait_for(lambda: driver_process(bench, run_id) is not None, 30)
    bench.remember_processes(run_id)
    recover = time_to_next(bench, run_id, fault_at, last)
    orphans = bench.read(lambda s: s.scalar(select(text("count(*)")).select_from(Trial).where(
        Trial.run_id == run_id, Trial.error == "the driver stopped before this trial finished")))
    return {"recover_s": recover, "orphans_marked_failed": orphans,
            "resume_exit": resumed.returncode}


def fault_dashboard(bench: Bench, run_id: int) -> dict[str, Any]:
    server = bench.server
    assert server is not None
    last = last_started(bench, run_id)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    fault_at = time.monotonic()
    bench.server = start_server(bench, bench.port)
    back = wait_for(lambda: server_answers(bench.port), 60, every_s=0.2)
    return {"dashboard_back_s": round(time.monotonic() - fault_at, 2) if back else None,
            "recover_s": time_to_next(bench, run_id, fault_at, last)}


def fault_postgres(bench: Bench, run_id: int) -> dict[str, Any]:
    last = last_started(bench, run_id)
    pg_ctl("stop", "--", "-m", "fast")
    fault_at = time.monotonic()
    time.sleep(PG_AWAY_S)
    pg_ctl("start")
    back_after = time.monotonic() - fault_at
    recover = time_to_next(bench, run_id, fault_at, last)
    status, reason = run_status(bench, run_id)
    return {"recover_s": recover, "database_away_s": round(back_after, 2),
            "status_after": status, "reason_after": reason}


def fill_disk(directory: Path) -> Path:
    filler = directory / "filler.bin"
    block = b"\0" * (1 << 20)
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(block)
                handle.flush()
        except OSError:
            pass
    return filler


def integrity(bench: Bench) -> str:
    if bench.backend != "sqlite":
        return "n/a (PostgreSQL)"
    import sqlite3

    connection = sqlite3.connect(bench.data_dir / "optunagui.db")
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def truncate_wal(bench: Bench) -> str | None:
    """Empty SQLite's write-ahead log (as it is when the last connection closed) just before
    the disk fills: the next writes must grow it on the full disk. A WAL with room left
    would hide the full disk for as long as its pages last."""
    if bench.backend != "sqlite":
        return None
    import sqlite3

    connection = sqlite3.connect(bench.data_dir / "optunagui.db", timeout=30)
    try:
        return str(connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
    except sqlite3.Error as error:
        return f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def fault_disk(bench: Bench, run_id: int) -> dict[str, Any]:
    before = len(finished_numbers(bench, run_id))
    last = last_started(bench, run_id)
    wal = truncate_wal(bench)
    filler = fill_disk(bench.data_dir)
    fault_at = time.monotonic()
    blocked = bench.cli("run", "train.py:objective", "--n-trials", "2", "--detach")
    wait_for(lambda: time.monotonic() - fault_at > 6, 10)
    status_full, reason_full = run_status(bench, run_id)
    during = len(finished_numbers(bench, run_id)) - before
    filler.unlink()
    freed_at = time.monotonic()
    check = integrity(bench)
    resumed, resume_says = None, None
    completed = sum(1 for s in finished_numbers(bench, run_id).values() if s == "complete")
    wait_for(lambda: run_status(bench, run_id)[0] in TERMINAL or sum(
        1 for s in finished_numbers(bench, run_id).values() if s == "complete") > completed, 20)
    if run_status(bench, run_id)[0] in ("failed", "paused", "stopped"):
        resume = bench.cli("run", "--resume", str(run_id), "--detach")
        resumed = resume.returncode
        resume_says = (resume.stdout + resume.stderr).strip().splitlines()[-1:]
        wait_for(lambda: driver_process(bench, run_id) is not None, 30)
        bench.remember_processes(run_id)
    recover = time_to_next(bench, run_id, fault_at, last) if not resumed else None
    said = (blocked.stdout + blocked.stderr).strip().splitlines()
    other = re.search(r"run (\d+) started", blocked.stdout)
    other_status = None
    if other is not None:  # it started after all: what became of it
        other_id = int(other.group(1))
        bench.remember_processes(other_id)
        other_status = wait_end(bench, other_id, timeout_s=60)
        other_status = f"{other_status}: {run_status(bench, other_id)[1]}"
    return {"recover_s": recover, "wal_checkpoint": wal,
            "full_for_s": round(freed_at - fault_at, 1),
            "finished_while_full": during, "status_while_full": status_full,
            "reason_while_full": reason_full, "resume_exit": resumed, "resume_says": resume_says,
            "launch_on_full_disk_exit": blocked.returncode,
            "launch_on_full_disk_says": said[-2:],
            "launch_traceback": "Traceback" in blocked.stderr,
            "launched_run_ended": other_status,
            "integrity_check": check}


FAULTS: dict[str, Callable[[Bench, int], dict[str, Any]]] = {
    "worker": fault_worker, "dashboard": fault_dashboard, "postgres": fault_postgres,
    "driver": fault_driver, "disk": fault_disk,
}


def duplicates_now(bench: Bench, run_id: int) -> int:
    return event_checks(bench, run_id, {})["duplicate_events"]


def raised_row(bench: Bench, run_id: int) -> dict[str, Any]:
    """The trials the objective failed on purpose: recorded failed, with the cause."""
    rows = bench.read(lambda s: s.execute(
        select(Trial.number, Trial.state, Trial.finished_at, Trial.error)
        .where(Trial.run_id == run_id).order_by(Trial.finished_at)).all(), [])
    raised = [r for r in rows if r[1] == "failed" and "out of the model's range" in (r[3] or "")]
    recover = None
    if raised:
        later = [r[2] for r in rows if r[1] == "complete" and r[2] and r[2] > raised[0][2]]
        recover = round((later[0] - raised[0][2]).total_seconds(), 2) if later else None
    return {"fault": "raises", "raised": len(raised), "recover_s": recover,
            "finished_lost": 0 if all(r[1] == "failed" for r in raised) else len(raised)}


def run_backend(backend: str, scenarios: list[str], logs: Path | None = None
                ) -> list[dict[str, Any]]:
    """One run of N_TRIALS on `backend` with the chosen faults, one after another."""
    faults = [f for f in FAULTS if f in scenarios and (f != "postgres" or backend != "sqlite")]
    bench = Bench(backend, mount="disk" in faults)
    rows: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        if "dashboard" in faults:
            bench.port = free_port()
            bench.server = start_server(bench, bench.port)
            wait_for(lambda: server_answers(bench.port), 60, every_s=0.5)
        run_id = bench.launch("objective_raises" if "raises" in scenarios else "objective")
        spacing = max(4, (N_TRIALS - 10) // (len(faults) + 1))
        for index, fault in enumerate(faults):
            if not wait_finished(bench, run_id, spacing * (index + 1), timeout_s=120):
                raise RuntimeError(f"run {run_id} stalled before the {fault} fault: "
                                   f"{run_status(bench, run_id)}")
            bench.remember_processes(run_id)
            before = finished_numbers(bench, run_id)
            duplicates = duplicates_now(bench, run_id)
            print(f"   {fault} fault after {len(before)} finished trials", flush=True)
            try:
                measured = FAULTS[fault](bench, run_id)
            except Exception as error:  # one broken fault must not hide the others
                measured = {"error": f"{type(error).__name__}: {error}"}
            rows.append({"backend": backend, "fault": fault, "before": before,
                         "duplicates_before": duplicates, **measured})
        status = wait_end(bench, run_id)
        if status not in ("completed",) and status in TERMINAL:
            print(f"   run ended {status}: {run_status(bench, run_id)[1]}", flush=True)
        end = outcome(bench, run_id, {})
        after = finished_numbers(bench, run_id)
        dup_marks = [r["duplicates_before"] for r in rows] + [end["duplicate_events"]]
        for i, row in enumerate(rows):
            before = row.pop("before")
            lost = sorted(n for n, s in before.items() if after.get(n) != s)
            row.update(finished_before_fault=len(before), finished_lost=len(lost),
                       lost_numbers=lost, duplicate_events=dup_marks[i + 1] - dup_marks[i])
            row.pop("duplicates_before")
        if "raises" in scenarios:
            rows.insert(0, {"backend": backend, **raised_row(bench, run_id)})
        rows.append({"backend": backend, "fault": "whole run",
                     "wall_s": round(time.monotonic() - started, 1), **end})
    except Exception as error:
        rows.append({"backend": backend, "fault": "whole run",
                     "error": f"{type(error).__name__}: {error}"})
    finally:
        if bench.server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(bench.server.pid, signal.SIGTERM)
        bench.close(logs)
    return rows


COLUMNS = (("backend", 10), ("fault", 10), ("finished_before_fault", 6),
           ("finished_lost", 5), ("duplicate_events", 5), ("recover_s", 8),
           ("status", 10), ("finished_at_end", 5), ("failed", 5), ("unrecorded", 5),
           ("running_left", 5), ("finished_without_final_event", 5), ("wall_s", 6))
HEADERS = ("backend", "fault", "before", "lost", "dup", "recover", "status", "end", "fail",
           "unrec", "left", "nofin", "wall")


def print_table(results: list[dict[str, Any]]) -> None:
    print(" ".join(h.ljust(w) for h, (_, w) in zip(HEADERS, COLUMNS, strict=True)))
    for row in results:
        cells = ["-" if row.get(key) is None else str(row.get(key)) for key, _ in COLUMNS]
        print(" ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)))
        notes = {k: v for k, v in row.items()
                 if k not in {key for key, _ in COLUMNS} and k not in ("lost_numbers",)}
        if notes:
            print("    " + json.dumps(notes, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append",
                        help="one backend (repeat for both; default both)")
    parser.add_argument("--scenario", choices=SCENARIOS, action="append",
                        help="one scenario (repeat for several; default all)")
    parser.add_argument("--keep-cluster", action="store_true",
                        help="leave the bench's PostgreSQL cluster (port 5433) in place")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--logs", type=Path, metavar="DIR",
                        help="keep the server's and the drivers' logs in DIR")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error("needs root: it mounts a tmpfs and restarts its own PostgreSQL cluster")
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
    backends = args.backend or ["sqlite", "postgresql"]
    scenarios = args.scenario or list(SCENARIOS)
    load_before = os.getloadavg()
    started = time.monotonic()
    results = []
    if "postgresql" in backends:
        ensure_cluster()
    try:
        for backend in backends:
            print(f"-- {backend}: {', '.join(scenarios)}", flush=True)
            for row in run_backend(backend, scenarios, args.logs):
                print("   " + json.dumps(row, default=str), flush=True)
                results.append(row)
    finally:
        if "postgresql" in backends and not args.keep_cluster:
            drop_cluster()
    print()
    print_table(results)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "run": {"n_trials": N_TRIALS, "max_concurrent": CONCURRENT, "fault_after": FAULT_AFTER,
                "trial": "code run, 3 steps of 0.2 s"},
        "wall_s": round(time.monotonic() - started, 1),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
