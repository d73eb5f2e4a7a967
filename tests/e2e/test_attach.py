"""An existing Optuna study in the browser: the tutorial's objective writes to a SQLite file
from two processes, the admin attaches the study on the experiment page while it runs, and
its trials arrive on the run page; the page says the study's own code runs it, a share
link shows it, and the compare page sets it beside a built-in run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from playwright.sync_api import expect

from optunagui.config import load_settings
from optunagui.store import Database, get_run
from tests.dashapp.analysis_data import write_run

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
OBJECTIVE = Path(__file__).resolve().parents[1] / "attach" / "tutorial_objective.py"


def test_a_running_study_attached_in_the_browser_fills_its_run_page(server, browser,
                                                                    tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared_study.db'}"
    optuna.create_study(study_name="tutorial", storage=storage)
    writers = [subprocess.Popen([sys.executable, str(OBJECTIVE), storage, "tutorial", "25",
                                 "0.4"]) for _ in range(2)]
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(server.base_url + "/experiments")
        page.fill("#login-username", "admin")
        page.fill("#login-password", server.admin_password)
        page.click("#login-submit")
        page.fill("#experiments-create-name", "followed studies")
        page.click("#experiments-create-button")
        page.locator("#experiments-create-feedback a").first.click()
        expect(page).to_have_url(re.compile(r"/experiments/\d+$"))
        experiment_id = int(page.url.rsplit("/", 1)[1])

        page.fill("#experiment-attach-storage", storage)
        page.fill("#experiment-attach-studies", "tutorial")
        page.click("#experiment-attach-button")
        feedback = page.locator("#experiment-attach-feedback")
        expect(feedback).to_contain_text("Attached: #")
        run_id = int(re.search(r"#(\d+)", feedback.inner_text()).group(1))
        expect(page.locator("#experiment-runs")).to_contain_text("attached")

        page.goto(server.base_url + f"/runs/{run_id}")
        expect(page.locator("#run-attached-note")).to_contain_text("run by its own code")
        expect(page.locator("#run-controls")).to_be_hidden()
        expect(page.get_by_role("button", name="Replay")).to_have_count(0)
        for writer in writers:
            assert writer.wait(timeout=120) == 0
        # Written after the page opened: they arrive through the server's follower.
        expect(page.locator("#run-progress-text")).to_have_text("50", timeout=60_000)
        expect(page.locator("#run-attached-follow")).to_contain_text("50 trials mirrored")
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()

    database = Database(load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
                        .database_url)
    try:
        with database.session() as session:
            created_by = get_run(session, run_id).created_by
        builtin = write_run(database, experiment_id, "built-in run", created_by, seed=4)
    finally:
        database.dispose()
    page.goto(server.base_url + f"/compare?runs={builtin},{run_id}")
    expect(page.locator("#compare-side-by-side")).to_contain_text("tutorial")

    page.goto(server.base_url + f"/experiments/{experiment_id}")
    page.fill("#experiment-share-label", "for the team")
    page.click("#experiment-share-create")
    share_url = page.locator("#experiment-share-url").inner_text()
    visitor = browser.new_context().new_page()
    visitor.set_default_timeout(TIMEOUT_MS)
    visitor.goto(share_url)
    expect(visitor.locator("#shared-runs")).to_contain_text("tutorial")
    assert errors == []
    page.close()
