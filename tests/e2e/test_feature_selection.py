"""Feature recommendations in the browser: on a finished run over a dataset with planted
noise, the Features tab's Recommendations flag the noise, "Test dropping them" gives its
verdict, "Re-run without them" opens the wizard with the columns off; the experiment page's
card joins the run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from optunagui.config import load_settings
from optunagui.store import Database, create_experiment, get_user_by_name
from tests.analysis.feature_data import selection_spec, selection_trials, write_planted
from tests.dashapp.test_api_features import write_selection_run

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 120_000


def _seed(server) -> tuple[int, int]:
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
    write_planted(settings.data_dir)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            admin = get_user_by_name(session, "admin")
            experiment_id = create_experiment(session, "Columns", admin.id).id
            admin_id = admin.id
        run_id = write_selection_run(database, experiment_id, admin_id,
                                     selection_spec("selection.csv"), selection_trials())
    finally:
        database.dispose()
    return experiment_id, run_id


def test_recommend_test_and_rerun_without_the_noise(server, browser):
    experiment_id, run_id = _seed(server)
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.base_url + f"/runs/{run_id}/analysis")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")
    page.get_by_role("tab", name="Features").click()
    page.click("#analysis-feature-advice-start")
    evidence = page.locator("#analysis-feature-advice-evidence")
    expect(evidence).to_contain_text("noise1", timeout=TIMEOUT_MS)
    expect(evidence).to_contain_text("negligible", timeout=TIMEOUT_MS)
    status = page.locator("#analysis-feature-advice-status")
    expect(status).to_contain_text("Could drop", timeout=TIMEOUT_MS)
    page.click("#analysis-feature-advice-test")
    verdict = page.locator("#analysis-feature-advice-ablation")
    expect(verdict).to_contain_text("paired folds", timeout=TIMEOUT_MS)
    expect(verdict).to_contain_text("noise1", timeout=TIMEOUT_MS)
    page.click("#analysis-feature-advice-rerun")
    wizard = re.compile(rf"/experiments/{experiment_id}/new-run\?clone={run_id}")
    expect(page).to_have_url(wizard, timeout=TIMEOUT_MS)
    page.goto(server.base_url + f"/experiments/{experiment_id}")
    page.click("#experiment-feature-advice-start")
    joined = page.locator("#experiment-feature-advice-table")
    expect(joined).to_contain_text("noise1", timeout=TIMEOUT_MS)
    assert errors == []
