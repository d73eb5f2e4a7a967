"""Browser tests: a real `optunagui serve` on a free port with a fresh data directory, driven
through Debian's Chromium by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Server:
    base_url: str
    admin_password: str
    log_path: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_command() -> list[str]:
    script = Path(sys.executable).with_name("optunagui")
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "optunagui", "serve"]


def _wait_until_up(process: subprocess.Popen, log_path: Path, url: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    password = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
        text = log_path.read_text() if log_path.exists() else ""
        match = re.search(r"User name: admin\s+Password: (\S+)", text)
        if match:
            password = match.group(1)
        if password and "OptunaGui on" in text:
            try:
                with urllib.request.urlopen(url + "/login", timeout=2) as response:
                    if response.status == 200:
                        return password
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not come up in time:\n{log_path.read_text()}")


def serve_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This environment without OptunaGui's settings or a Ray address, on ``data_dir``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPTUNAGUI_") and key != "RAY_ADDRESS"
    }
    return {**env, "OPTUNAGUI_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **extra}


@contextmanager
def serving(port: int, env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """`optunagui serve --port PORT` in its own process group, ended (the group) on the way
    out unless it already ended."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*_serve_command(), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`optunagui serve --port PORT` as the README starts it, on a fresh data directory."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    log_path = data_dir / "serve.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with serving(port, serve_env(data_dir), log_path) as process:
        password = _wait_until_up(process, log_path, base_url)
        yield Server(base_url=base_url, admin_password=password, log_path=log_path)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
