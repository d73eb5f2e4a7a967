"""The path a new team walks: sign in as the first admin, add a colleague, create an experiment,
share it with the colleague as viewer, open a share link in a private window (and a run's page
through it, read-only), revoke it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from optunagui.config import load_settings
from optunagui.store import Database
from tests.dashapp.analysis_data import write_run

pytestmark = pytest.mark.e2e

EXPERIMENT = "Churn model <b>v1</b>"
TIMEOUT_MS = 20_000


def _sign_in(page: Page, base_url: str, name: str, password: str) -> None:
    page.goto(base_url + "/experiments")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#login-username", name)
    page.fill("#login-password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/experiments$"), timeout=TIMEOUT_MS)


def _write_finished_run(server, experiment_url: str, name: str) -> int:
    """A finished run written into the server's database the way the driver writes one."""
    experiment_id = int(experiment_url.rsplit("/", 1)[1])
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
    database = Database(settings.database_url)
    try:
        return write_run(database, experiment_id, name, None, seed=3)
    finally:
        database.dispose()


def test_team_flow_from_first_admin_to_revoked_share_link(server, browser):
    admin_context = browser.new_context()
    page = admin_context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    _sign_in(page, server.base_url, "admin", server.admin_password)
    expect(page.locator("#shell-user-name")).to_have_text("admin")

    # A second user, created from the admin page.
    page.click("#shell-nav-admin a")
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.fill("#admin-new-name", "bob")
    page.fill("#admin-new-password", "bob's long password")
    page.click("#admin-create")
    expect(page.locator("#admin-create-feedback")).to_contain_text("Created bob.")
    expect(page.locator("#admin-users-table")).to_contain_text("bob")

    # An experiment; its name is shown as text, never as markup.
    page.click("text=Experiments")
    page.fill("#experiments-create-name", EXPERIMENT)
    page.click("#experiments-create-button")
    page.locator("#experiments-create-feedback a").first.click()
    expect(page).to_have_url(re.compile(r"/experiments/\d+$"))
    expect(page.locator("#experiment-title")).to_have_text(EXPERIMENT)
    expect(page.locator("#experiment-title b")).to_have_count(0)
    experiment_url = page.url

    # bob joins as viewer.
    page.fill("#experiment-member-name", "bob")
    page.select_option("#experiment-member-role", "viewer")
    page.click("#experiment-member-save")
    expect(page.locator("#experiment-member-feedback")).to_contain_text("bob is now viewer.")
    expect(page.locator("#experiment-members-table")).to_contain_text("bob")

    # A share link, shown once.
    page.fill("#experiment-share-label", "for the review")
    page.click("#experiment-share-create")
    share_url = page.locator("#experiment-share-url").inner_text()
    assert share_url.startswith(server.base_url + "/s/")
    expect(page.locator("#experiment-share-table")).to_contain_text("for the review")

    # bob sees the experiment read-only.
    bob_context = browser.new_context()
    bob = bob_context.new_page()
    bob.set_default_timeout(TIMEOUT_MS)
    _sign_in(bob, server.base_url, "bob", "bob's long password")
    expect(bob.locator("#experiments-list-table")).to_contain_text(EXPERIMENT)
    expect(bob.locator("#experiments-list-table")).to_contain_text("viewer")
    expect(bob.locator("#shell-nav-admin")).to_be_hidden()
    bob.goto(experiment_url)
    expect(bob.locator("#experiment-title")).to_have_text(EXPERIMENT)
    expect(bob.locator("#experiment-share-card")).to_be_hidden()
    expect(bob.locator("#experiment-manage-members")).to_be_hidden()
    bob_context.close()

    # The link in a private window: the experiment, read-only, and no navigation.
    private = browser.new_context()
    visitor = private.new_page()
    visitor.set_default_timeout(TIMEOUT_MS)
    visitor.goto(share_url)
    expect(visitor.locator("#shared-title")).to_have_text(EXPERIMENT)
    expect(visitor.locator("#shell-user")).to_be_hidden()
    expect(visitor.locator("#shell-nav")).to_be_hidden()
    visitor.goto(server.base_url + "/experiments")
    expect(visitor).to_have_url(re.compile(r"/login\?next="))

    # Through the link, a run's page: its history drawn, no controls, back to the shared view.
    run_id = _write_finished_run(server, experiment_url, "first tuning run")
    visitor.goto(share_url)
    visitor.click("#shared-runs a:has-text('first tuning run')")
    expect(visitor).to_have_url(re.compile(rf"/runs/{run_id}$"))
    expect(visitor.locator("#run-title")).to_have_text("first tuning run")
    expect(visitor.locator("#run-history-graph .scatterlayer .point").first).to_be_attached()
    expect(visitor.locator("#run-controls")).to_be_hidden()
    expect(visitor.locator("#shell-nav")).to_be_hidden()
    visitor.click("#run-analysis-link")
    expect(visitor).to_have_url(re.compile(rf"/runs/{run_id}/analysis$"))
    visitor.click("#analysis-links a:has-text('Experiment')")
    expect(visitor.locator("#shared-title")).to_have_text(EXPERIMENT)

    # Revoked: the visitor gets a clear page.
    page.click("#experiment-share-table button:has-text('Revoke')")
    expect(page.locator("#experiment-share-feedback")).to_contain_text("Link revoked.")
    expect(page.locator("#experiment-share-table")).to_contain_text("revoked")
    response = visitor.goto(share_url)
    assert response is not None and response.status == 410
    expect(visitor.locator("#share-problem")).to_contain_text("This link has been revoked")
    response = visitor.goto(server.base_url + f"/runs/{run_id}")
    assert response is not None and response.status == 410

    # Sign out ends the admin's session.
    page.click("#shell-sign-out")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(experiment_url)
    expect(page).to_have_url(re.compile(r"/login\?next="))

    private.close()
    admin_context.close()
