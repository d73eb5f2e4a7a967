"""Suggestions from history in the browser: after a finished logistic-regression run on iris
(its trials written straight into the database, as a driver writes them), a second run's wizard
on the same data asks for suggestions at the search-space step, takes them with one click, and
finds them in its range editors, after a reload (the browser's draft) and in the review."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from optunagui.recommend import suggest_for_spec, suggested_space
from optunagui.spec.validation import validate_spec
from optunagui.store import Database, create_experiment, create_run, upsert_trials
from optunagui.store.tables import User

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
SPEC = {"name": "iris logistic", "dataset": {"builtin": "iris"}, "model": "logistic_regression",
        "metrics": [{"name": "accuracy", "direction": "maximize"}], "budget": {"n_trials": 60}}


def _pattern(kind: str, **keys: str) -> str:
    component_id = json.dumps({**keys, "type": kind}, sort_keys=True, separators=(",", ":"))
    return f"[id='{component_id}']"


def _earlier_run(database: Database) -> tuple[int, int, dict]:
    """A finished run whose best trials hold C near 1; the experiment, the run and what the
    recommender suggests from it for a fresh draft."""
    rng = np.random.default_rng(0)
    rows = []
    for number in range(60):
        c = float(math.exp(rng.uniform(math.log(1e-4), math.log(1e3))))
        rows.append({"number": number, "state": "complete",
                     "params": {"C": c, "class_weight": [None, "balanced"][number % 2]},
                     "values": [1.0 - abs(math.log10(c)) / 10]})
    spec = validate_spec(SPEC)
    with database.session() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        experiment = create_experiment(session, "Iris again", admin.id)
        run = create_run(session, experiment.id, "iris logistic #1", spec.to_dict(),
                         created_by=admin.id)
        upsert_trials(session, run.id, rows)
        expected = suggested_space(suggest_for_spec(session, spec, admin.id))
        return experiment.id, run.id, expected


def _to_step(page: Page, step: int) -> None:
    page.click("#new-run-next")
    expect(page.locator("#new-run-progress")).to_contain_text(f"Step {step} of 7")


def test_a_second_run_takes_the_suggested_ranges_with_one_click(server, browser):
    database = Database(f"sqlite:///{server.log_path.parent / 'optunagui.db'}")
    try:
        experiment_id, run_id, expected = _earlier_run(database)
    finally:
        database.dispose()
    c = expected["C"]
    low, high = _pattern("new-run-space-low", row="logistic_regression/C"), \
        _pattern("new-run-space-high", row="logistic_regression/C")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server.base_url + "/login")
        page.fill("#login-username", "admin")
        page.fill("#login-password", server.admin_password)
        page.click("#login-submit")
        expect(page).to_have_url(re.compile(r"/experiments$"))
        page.goto(f"{server.base_url}/experiments/{experiment_id}/new-run")
        expect(page.locator("#new-run-builtin")).to_have_value("iris")
        _to_step(page, 2)
        _to_step(page, 3)
        page.locator(_pattern("new-run-model-use", model="random_forest")).uncheck()
        page.locator(_pattern("new-run-model-use", model="logistic_regression")).check()
        _to_step(page, 4)
        expect(page.locator(low)).to_have_value("0.0001")

        page.click("#new-run-suggest")
        panel = page.locator("#new-run-suggest-panel")
        expect(panel).to_contain_text(f"from run {run_id}, 60 trials (same dataset)")
        expect(panel).to_contain_text("float 0.0001 .. 1000 (log)")
        page.click("#new-run-suggest-take-all")
        expect(page.locator(low)).to_have_value(str(c["low"]))
        expect(page.locator(high)).to_have_value(str(c["high"]))
        expect(page.locator("#new-run-suggest-status")).to_contain_text("Took the suggestion")
        page.check("#new-run-warm-start-use")
        expect(page.locator("#new-run-warm-start-status")).to_contain_text(
            "warm-start trials first, the best")

        # The take is saved with the draft like any edit: a reload finds it.
        page.wait_for_function(
            "([key, low]) => (localStorage.getItem(key) || '').includes(low)",
            arg=["optunagui-wizard-drafts", str(c["low"])])
        page.wait_for_function("(key) => (localStorage.getItem(key) || '').includes("
                               "'\"warm_start_use\":true')", arg="optunagui-wizard-drafts")
        page.reload()
        expect(page.locator("#new-run-progress")).to_contain_text("Step 4 of 7")
        expect(page.locator(low)).to_have_value(str(c["low"]))
        for step in (5, 6, 7):
            _to_step(page, step)
        expect(page.locator("#new-run-yaml")).to_contain_text(f"low: {c['low']}")
        expect(page.locator("#new-run-yaml")).to_contain_text(f"high: {c['high']}")
        expect(page.locator("#new-run-yaml")).to_contain_text("warm_start:")
        expect(page.locator("#new-run-estimate-text")).to_contain_text("warm-start trials first")
    finally:
        context.close()


def _finished_twin(database: Database) -> tuple[int, int]:
    """A finished run of SPEC with 60 complete trials, in an experiment of its own."""
    rows = [{"number": n, "state": "complete", "params": {"C": 10 ** (n / 20 - 1.5)},
             "values": [0.9 + n / 1000]} for n in range(60)]
    with database.session() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        experiment = create_experiment(session, "Iris twice", admin.id)
        run = create_run(session, experiment.id, "iris logistic, once",
                         validate_spec(SPEC).to_dict(), created_by=admin.id)
        upsert_trials(session, run.id, rows)
        return experiment.id, run.id


def test_the_review_flags_a_near_duplicate_and_launch_anyway_launches(server, browser):
    database = Database(f"sqlite:///{server.log_path.parent / 'optunagui.db'}")
    try:
        experiment_id, run_id = _finished_twin(database)
    finally:
        database.dispose()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server.base_url + "/login")
        page.fill("#login-username", "admin")
        page.fill("#login-password", server.admin_password)
        page.click("#login-submit")
        expect(page).to_have_url(re.compile(r"/experiments$"))
        page.goto(f"{server.base_url}/experiments/{experiment_id}/new-run")
        expect(page.locator("#new-run-builtin")).to_have_value("iris")
        _to_step(page, 2)
        _to_step(page, 3)
        page.locator(_pattern("new-run-model-use", model="random_forest")).uncheck()
        page.locator(_pattern("new-run-model-use", model="logistic_regression")).check()
        for step in (4, 5, 6):
            _to_step(page, step)
        page.fill("#new-run-n-trials", "2")
        _to_step(page, 7)

        warning = page.locator("#new-run-near-duplicate")
        expect(warning).to_contain_text("This draft nearly duplicates an earlier run")
        expect(warning).to_contain_text(
            f"best 0.959 after 60 trials (run {run_id} in experiment Iris twice)")
        expect(warning.locator(f"a[href='/runs/{run_id}']")).to_have_text("Open it")
        expect(page.locator("#new-run-launch")).to_be_disabled()
        page.click("#new-run-launch-anyway")
        expect(page).to_have_url(re.compile(rf"/runs/(?!{run_id}$)\d+$"), timeout=TIMEOUT_MS)
    finally:
        context.close()
