"""The embedded driver: ``python -m cluster.driver RUN_ID`` as a detached local process.

A short-lived launcher process starts the driver in a session of its own and exits, so the
driver is re-parented to init: it outlives the dashboard or CLI that launched it, is never a
zombie child of a long-lived dashboard, and gets no signal meant for the launcher's terminal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import psutil

__all__ = ["DRIVER_MODULE", "is_driver_process", "spawn_driver", "terminate_driver"]

DRIVER_MODULE = "cluster.driver"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent

_LAUNCHER = """\
import subprocess, sys
with open(sys.argv[1], "ab") as log:
    driver = subprocess.Popen(
        sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
print(driver.pid)
"""


def spawn_driver(
    arguments: list[str], log_path: Path, env: Mapping[str, str], cwd: Path
) -> int:
    """Start ``python -m cluster.driver ARGUMENTS`` detached; its output appends to `log_path`.

    The driver runs this interpreter and imports this checkout of the project (its root goes
    first on PYTHONPATH).

    Returns:
        The driver's process id.

    Raises:
        OSError, subprocess.SubprocessError, ValueError: the launcher failed.
    """
    child_env = dict(env)
    child_env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(_PROJECT_ROOT), child_env.get("PYTHONPATH")) if part
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", DRIVER_MODULE, *arguments]
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(log_path), *command],
        env=child_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(launched.stdout.strip())


def is_driver_process(pid: int | None, run_id: int) -> bool:
    """True while `pid` is a running (not zombie) ``cluster.driver`` process for `run_id`.

    Checking the command line means a pid reused by some other process does not count.
    """
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return _is_driver_cmdline(cmdline, run_id)


def terminate_driver(pid: int | None, run_id: int, timeout_s: float = 15.0) -> None:
    """SIGTERM the driver (it treats it as a stop request), SIGKILL if it lingers.

    The SIGKILL goes to the driver's whole process group (it leads one, see `spawn_driver`),
    so the local Ray it started goes with it instead of lingering without its driver.
    """
    if pid is None or not is_driver_process(pid, run_id):
        return
    try:
        process = psutil.Process(pid)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=timeout_s)
    except psutil.TimeoutExpired:
        _kill_group(pid)
    except psutil.NoSuchProcess:
        pass


def _kill_group(pid: int) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _is_driver_cmdline(cmdline: list[str], run_id: int) -> bool:
    """True for ``python [options] -m cluster.driver RUN_ID ...``.

    Only the interpreter's own options are walked: the same words after ``-c CODE`` or a
    script path are that program's arguments, not the driver.
    """
    args = iter(cmdline[1:])
    for arg in args:
        if arg == "-m":
            return next(args, None) == DRIVER_MODULE and next(args, None) == str(run_id)
        if arg in ("-W", "-X"):
            next(args, None)
        elif arg == "-c" or arg == "-" or not arg.startswith("-"):
            return False
    return False
