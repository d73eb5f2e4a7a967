"""A user's own objective, launched from the command line, read in the browser: the run page
names its entry point and code version and shows the source to a member; the compare page
sets it beside a built-in run of the same experiment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from optunagui.config import load_settings
from optunagui.store import Database, get_run, list_trials
from tests.dashapp.analysis_data import write_run

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
LIVE_MS = 90_000  # a live run's page follows its driver, which starts Ray first
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mlp_objective.py"


def _optunagui_run(server, folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`optunagui run mlp_objective.py:objective ARGS` from an empty folder holding the
    example, on the server's data directory, as a new user types it."""
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPTUNAGUI_") and k != "RAY_ADDRESS"}
    env["OPTUNAGUI_DATA_DIR"] = str(server.log_path.parent)
    done = subprocess.run(
        [sys.executable, "-m", "optunagui", "run", "mlp_objective.py:objective",
         "--direction", "maximize", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _database(server) -> Database:
    return Database(load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
                    .database_url)


def _launch_code_run(server, folder: Path) -> tuple[int, int]:
    done = _optunagui_run(server, folder, "--n-trials", "3", "--pruner", "median",
                          "--experiment", "digits", "--json")
    run_id = json.loads(done.stdout.strip().splitlines()[-1])["run_id"]
    database = _database(server)
    try:
        with database.session() as session:
            run = get_run(session, run_id)
            experiment_id = run.experiment_id
            created_by = run.created_by
        builtin = write_run(database, experiment_id, "built-in MLP", created_by, seed=3)
    finally:
        database.dispose()
    return run_id, builtin


def test_code_run_from_the_command_line_on_the_run_and_compare_pages(server, browser, tmp_path):
    run_id, builtin = _launch_code_run(server, tmp_path / "empty")
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.base_url + f"/runs/{run_id}")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")

    expect(page.locator("#run-kind")).to_contain_text("mlp_objective.py:objective")
    expect(page.locator("#run-code-facts")).to_contain_text("mlp_objective.py")
    expect(page.locator("#run-code-source")).to_contain_text("def objective(trial")
    expect(page.locator("#run-rerun-link")).to_have_count(0)
    expect(page.get_by_role("button", name="Replay")).to_be_visible()

    page.goto(server.base_url + f"/compare?runs={builtin},{run_id}")
    expect(page.locator("#compare-side-by-side")).to_contain_text("mlp_objective.py:objective")
    expect(page).to_have_url(re.compile(rf"/compare\?runs={builtin},{run_id}$"))
    assert errors == []
    page.close()


def _range_field(kind: str, name: str) -> str:
    return "[id='" + json.dumps({"param": name, "type": kind}, separators=(",", ":")) + "']"


def _resume(page) -> None:
    """Resume as a person does: again, while the paused driver is still exiting."""
    feedback = page.locator("#run-control-feedback")
    deadline = time.monotonic() + 90
    while True:
        page.click("#run-resume")
        expect(feedback).to_contain_text(re.compile("Resumed|Resume again"), timeout=LIVE_MS)
        if "Resumed" in feedback.inner_text():
            return
        page.reload()  # the next click must give a new answer, not find the last one
        assert time.monotonic() < deadline, "the paused driver never exited"
        time.sleep(2)


def test_code_run_paused_given_a_new_range_resumed_stopped_and_replayed(
        server, browser, tmp_path):
    started = _optunagui_run(server, tmp_path / "walk", "--n-trials", "60",
                             "--max-concurrent", "1", "--experiment", "walk", "--detach")
    run_id = int(re.search(r"run (\d+) started", started.stdout).group(1))

    page = browser.new_page()
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.base_url + f"/runs/{run_id}")
    if page.locator("#login-username").count():
        page.fill("#login-username", "admin")
        page.fill("#login-password", server.admin_password)
        page.click("#login-submit")
    low = page.locator(_range_field("run-range-low", "lr"))
    expect(low).to_be_visible(timeout=LIVE_MS)  # the code's range, recorded from its first trial

    page.click("#run-pause")
    expect(page.locator("#run-header")).to_contain_text("paused", timeout=LIVE_MS)
    low.fill("0.001")
    low.press("Tab")
    high = page.locator(_range_field("run-range-high", "lr"))
    high.fill("0.002")
    high.press("Tab")
    page.click("#run-ranges-apply")
    expect(page.locator("#run-ranges-feedback")).to_contain_text("lr", timeout=LIVE_MS)
    database = _database(server)
    try:
        with database.session() as session:
            changed_at = len(list_trials(session, run_id))
        _resume(page)
        deadline = time.monotonic() + 120
        while True:  # two trials drawn after the change have finished
            with database.session() as session:
                done = [t for t in list_trials(session, run_id)
                        if t.number >= changed_at and t.state != "running"]
            if len(done) >= 2:
                break
            assert time.monotonic() < deadline, "no trial finished after the resume"
            time.sleep(1)
        page.click("#run-stop")
        expect(page.locator("#run-header")).to_contain_text("stopped", timeout=LIVE_MS)
        with database.session() as session:
            trials = list_trials(session, run_id)
        later = [t for t in trials if t.number >= changed_at and "lr" in t.params]
        assert later and all(0.001 <= t.params["lr"] <= 0.002 for t in later)
    finally:
        database.dispose()

    page.get_by_role("button", name="Replay").click()
    page.wait_for_url(re.compile(rf"/runs/(?!{run_id}$)\d+$"))
    expect(page.locator("#run-kind")).to_contain_text("mlp_objective.py:objective",
                                                      timeout=LIVE_MS)
    page.click("#run-stop")
    assert errors == []
    page.close()
