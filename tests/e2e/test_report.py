"""A run report opened from disk in Chromium: every figure drawn, no console error, offline."""

from __future__ import annotations

import pytest

from optunagui import store
from optunagui.reports import ReportOptions, build_run_report
from optunagui.store import Database
from tests.reports.report_data import write_run

pytestmark = pytest.mark.e2e


def test_html_report_opens_offline_with_its_figures_drawn(browser, tmp_path, tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    with database.session() as session:
        user = store.create_user(session, "ada", "!")
        experiment_id = store.create_experiment(session, "e", user.id).id
    run_id = write_run(database, experiment_id, user.id, "opened from disk", n_trials=12)
    with database.session() as session:
        page_html = build_run_report(session, run_id, tmp_settings,
                                     ReportOptions(feature_impact=False))
    database.dispose()
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    expected = page_html.count('class="report-figure"')
    assert expected == 5

    context = browser.new_context(offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.report-figure .main-svg').length >= {expected}",
            timeout=20_000,
        )
        drawn = page.eval_on_selector_all(
            ".report-figure", "nodes => nodes.map(n => n.querySelectorAll('.main-svg').length)")
        assert all(count > 0 for count in drawn) and len(drawn) == expected
        title = page.title()
    finally:
        context.close()
    assert title == f"Run {run_id}: opened from disk · report"
    assert errors == []
