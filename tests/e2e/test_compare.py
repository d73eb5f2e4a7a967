"""Comparing two finished runs in the browser: tick them on the experiment page, open the
shareable /compare URL, read the verdict, download a figure as a self-contained HTML page;
then open a run's analysis page from its live view."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from optunagui.config import load_settings
from optunagui.store import Database, create_experiment, get_user_by_name
from tests.dashapp.analysis_data import write_run

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
FOLDS = [0.0, -0.01, 0.005, -0.004, 0.002]


def _seed(server) -> tuple[int, int, int]:
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            admin = get_user_by_name(session, "admin")
            experiment = create_experiment(session, "Model shoot-out", admin.id)
            experiment_id, admin_id = experiment.id, admin.id
        base = write_run(database, experiment_id, "baseline", admin_id, seed=1, folds=FOLDS)
        tuned = write_run(database, experiment_id, "tuned", admin_id, seed=2, shift=0.05,
                          folds=[f + 0.001 * i for i, f in enumerate(FOLDS)])
    finally:
        database.dispose()
    return experiment_id, base, tuned


def test_compare_two_finished_runs_and_download_a_figure(server, browser, tmp_path):
    experiment_id, base, tuned = _seed(server)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.base_url + f"/experiments/{experiment_id}")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")
    expect(page.locator("#experiment-title")).to_have_text("Model shoot-out")

    # Tick both runs; the link follows the selection.
    box = page.locator("#experiment-compare-runs")
    box.get_by_label(f"#{base} baseline").check()
    box.get_by_label(f"#{tuned} tuned").check()
    link = page.locator("#experiment-compare-link")
    expect(link).to_have_attribute("href", f"/compare?runs={base},{tuned}")
    link.click()
    expect(page).to_have_url(re.compile(rf"/compare\?runs={base},{tuned}$"))

    expect(page.locator("#compare-side-by-side")).to_contain_text("param: planted")
    expect(page.locator("#compare-side-by-side tr.table-warning").first).to_be_visible()
    expect(page.locator("#compare-stats-results")).to_contain_text(
        f"#{tuned} tuned beats #{base} baseline")
    expect(page.locator("#compare-overlay-number-graph .main-svg").first).to_be_visible()
    expect(page.locator("#shell-nav-compare")).to_be_visible()

    button_id = json.dumps({"figure": "overlay-time", "type": "compare-download-button"},
                           separators=(",", ":"))
    button = page.locator(f"[id='{button_id}']")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == f"compare-{base}-{tuned}-overlay-time.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    html = saved.read_text(encoding="utf-8")
    assert "<script src=" not in html and "plotly.js v" in html
    assert f"#{base} baseline" in html and f"#{tuned} tuned" in html

    # The run's analysis, from its live page: importance lands without a reload.
    page.goto(server.base_url + f"/runs/{tuned}")
    page.click("#run-analysis-link")
    expect(page).to_have_url(re.compile(rf"/runs/{tuned}/analysis$"))
    expect(page.locator("#analysis-scatter-graph .main-svg").first).to_be_visible()
    scatter_y = page.locator("#analysis-scatter-graph .ytitle")
    expect(scatter_y).to_have_text("noise_a")  # drawn with the header, on the default axes
    page.locator("#analysis-y-param").click()
    page.get_by_role("option", name="noise_b").click()
    expect(scatter_y).to_have_text("noise_b")  # another axis: drawn again
    page.get_by_role("tab", name="Parallel coordinates").click()
    expect(page.locator("#analysis-parallel-graph .parcoords").first).to_be_attached()
    page.get_by_role("tab", name="Importance").click()
    expect(page.locator("#analysis-importance-note")).to_contain_text(
        "fANOVA on all 40 complete trials")
    page.get_by_role("tab", name="Diagnosis").click()
    expect(page.locator("#analysis-workers-verdict")).not_to_be_empty()
    expect(page.locator("#analysis-convergence-verdict")).not_to_be_empty()
    assert errors == []
    context.close()
