"""Alerts in the browser: an owner makes a rule "roc_auc > 0.97" on the experiment page, a
trial above it is evaluated, and the pop-up shows on the open page, once; the inbox lists it
and marks it read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from optunagui.alerts import AlertEvaluator
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    upsert_trials,
)
from optunagui.store.tables import User

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 20_000


def _sign_in(page: Page, base_url: str, name: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#login-username", name)
    page.fill("#login-password", password)
    page.click("#login-submit")


def test_a_rule_fires_a_pop_up_on_the_open_page_and_lands_in_the_inbox(server, browser):
    database = Database(f"sqlite:///{server.log_path.parent / 'optunagui.db'}")
    try:
        with database.session() as session:
            admin = session.scalar(select(User).where(User.username == "admin"))
            experiment = create_experiment(session, "Churn", admin.id)
            run = create_run(session, experiment.id, "lgbm #1",
                             {"metrics": [{"name": "roc_auc", "direction": "maximize"}]},
                             created_by=admin.id)
        page = browser.new_context().new_page()
        page.set_default_timeout(TIMEOUT_MS)
        _sign_in(page, server.base_url, "admin", server.admin_password)
        expect(page).to_have_url(re.compile(r"/experiments$"))
        page.goto(f"{server.base_url}/experiments/{experiment.id}")
        page.fill("#experiment-alert-name", "AUC above 0.97")
        page.fill("#experiment-alert-metric", "roc_auc")
        page.fill("#experiment-alert-value", "0.97")
        page.click("#experiment-alert-create")
        expect(page.locator("#experiment-alert-feedback")).to_contain_text("created")
        expect(page.locator("#experiment-alert-rules")).to_contain_text("roc_auc > 0.97")
        page.wait_for_timeout(5000)  # the pop-up's first poll remembers where the inbox is

        with database.session() as session:  # what a run's driver writes for two trials
            upsert_trials(session, run.id, [
                {"number": n, "state": "complete", "values": [v], "params": {"lr": 0.1}}
                for n, v in ((0, 0.95), (1, 0.981))])
            append_events(session, run.id, [
                {"kind": "completed", "trial_number": 0, "metrics": {"roc_auc": 0.95}},
                {"kind": "completed", "trial_number": 1, "metrics": {"roc_auc": 0.981}}])
        assert len(AlertEvaluator(database).evaluate().fired) == 1

        toast = page.locator("#shell-alert-toast")
        expect(toast).to_contain_text("AUC above 0.97: roc_auc 0.981 > 0.97 on trial 1")
        link = toast.get_by_role("link", name="Open run (trial 1)")
        expect(link).to_have_attribute("href", f"/runs/{run.id}?trial=1")
        link.click()  # the run page opens on the alert's trial
        expect(page.locator("#run-trial-detail")).to_contain_text("Trial 1")
        expect(page.locator("#run-trial-detail")).to_contain_text("0.981")
        page.goto(f"{server.base_url}/alerts")
        expect(page.locator("#alerts-heading")).to_have_text("Alerts (1 unread)")
        expect(page.locator("#alerts-inbox")).to_contain_text("roc_auc 0.981 > 0.97")
        page.get_by_role("button", name="Mark read").click()
        expect(page.locator("#alerts-heading")).to_have_text("Alerts")
        expect(page.locator("#alerts-inbox")).to_contain_text("read")
        page.wait_for_timeout(6000)
        expect(page.locator("#shell-alert-toast")).to_have_count(0)
    finally:
        database.dispose()
