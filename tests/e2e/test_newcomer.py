"""A newcomer's two runs on one uploaded file: a classification of the penguins' species, then,
from "New run" again, a regression of their body mass. The second wizard starts at step 1 with
nothing of the first run kept; a draft left halfway is offered on the next opening and resumed
by choice; the second run is stored as a regression scored by a regression metric."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
SPECIES = ("Adelie", "Chinstrap", "Gentoo")
REGRESSION_METRICS = {"rmse", "mae", "r2"}


def penguins_csv() -> bytes:
    """Penguin-like rows: a text species, text island, numbers with gaps, a body mass with many
    distinct values (so a regression target)."""
    lines = ["species,island,bill_length_mm,flipper_length_mm,body_mass_g"]
    for i in range(120):
        kind = i % 3
        bill = "" if i % 17 == 0 else f"{38 + 5 * kind + (i % 7) * 0.3:.1f}"
        flipper = "" if i % 19 == 0 else str(185 + 12 * kind + i % 9)
        mass = 3300 + 700 * kind + (i * 37) % 500
        lines.append(f"{SPECIES[kind]},{('Biscoe', 'Dream')[i % 2]},{bill},{flipper},{mass}")
    return ("\n".join(lines) + "\n").encode()


def _next(page: Page, step: int) -> None:
    page.click("#new-run-next")
    expect(page.locator("#new-run-progress")).to_contain_text(f"Step {step} of 7")


def _pattern(kind: str, **keys: str) -> str:
    component_id = json.dumps({**keys, "type": kind}, sort_keys=True, separators=(",", ":"))
    return f"[id='{component_id}']"


def _upload_penguins(page: Page) -> None:
    page.locator("#new-run-source label:has-text('Upload CSV or Parquet')").click()
    expect(page.locator("#new-run-builtin")).to_be_hidden()
    page.set_input_files("#new-run-upload input[type=file]", files=[
        {"name": "penguins.csv", "mimeType": "text/csv", "buffer": penguins_csv()}])
    expect(page.locator("#new-run-upload-status")).to_contain_text(
        "Stored penguins.csv: 120 rows, 5 columns.")
    expect(page.locator("#new-run-preview-table")).to_contain_text("species")


def _stored_runs(server, experiment_id: int) -> list[dict]:
    from optunagui.config import load_settings
    from optunagui.store import Database
    from optunagui.store.tables import Run

    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            runs = session.scalars(select(Run).where(Run.experiment_id == experiment_id)
                                   .order_by(Run.id))
            return [{"id": run.id, "spec": dict(run.spec)} for run in runs]
    finally:
        database.dispose()


def _stop_drivers(server, run_ids: list[int]) -> None:
    from cluster.launch.submit import stop_run
    from optunagui.config import load_settings

    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
    for run_id in run_ids:
        stop_run(run_id, replace(settings, ray_address=None), timeout_s=20)


def _classify_species(page: Page) -> None:
    """The first run: species, one feature off, stratified folds, f1_macro, quick mode."""
    expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7")
    expect(page.locator("#new-run-builtin")).to_be_visible()
    expect(page.locator("#new-run-upload")).to_be_hidden()
    _upload_penguins(page)
    expect(page.locator("#new-run-dataset-status")).to_contain_text(
        "Target: body_mass_g (the last column")
    page.select_option("#new-run-target", "species")
    expect(page.locator("#new-run-task")).to_contain_text(
        "Inferred from the target (classification)")
    _next(page, 2)
    page.locator(_pattern("new-run-feature-use", column="island")).uncheck()
    _next(page, 3)
    page.select_option(_pattern("new-run-preset", model="random_forest"), "fast")
    _next(page, 4)
    _next(page, 5)
    page.select_option("#new-run-split-method", "stratified_kfold")
    page.fill("#new-run-folds", "2")
    page.locator("#new-run-metrics label:has-text('F1 macro')").click()
    expect(page.locator("#new-run-directions")).to_contain_text("f1_macro: maximize")
    _next(page, 6)
    page.fill("#new-run-n-trials", "2")
    page.locator("#new-run-quick").check()
    _next(page, 7)
    expect(page.locator("#new-run-estimate")).to_contain_text("1 run, 2 trials in all")
    expect(page.locator("#new-run-estimate")).to_contain_text("up to 1 trial at once")
    page.click("#new-run-launch")
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))


def _regress_body_mass(page: Page) -> None:
    """The second run from a fresh wizard; halfway, the draft is left, offered and resumed."""
    expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7")
    expect(page.locator("#new-run-draft-notice")).to_be_hidden()
    expect(page.locator("#new-run-builtin")).to_have_value("iris")
    expect(page.locator("#new-run-start-over")).to_be_visible()
    _upload_penguins(page)
    page.select_option("#new-run-target", "body_mass_g")
    expect(page.locator("#new-run-task")).to_contain_text("Inferred from the target (regression)")
    _next(page, 2)
    expect(page.locator(_pattern("new-run-feature-use", column="island"))).to_be_checked()

    page.click("#new-run-experiment-link")
    page.click("#experiment-new-run")
    notice = page.locator("#new-run-draft-notice")
    expect(notice).to_contain_text("You have an unfinished draft (step 2, penguins.csv)")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7")
    page.click("#new-run-resume")
    expect(notice).to_be_hidden()
    expect(page.locator("#new-run-progress")).to_contain_text("Step 2 of 7")
    expect(page.locator("#new-run-target")).to_have_value("body_mass_g")

    _next(page, 3)
    expect(page.locator(_pattern("new-run-preset", model="random_forest"))).to_have_value(
        "default")
    page.select_option(_pattern("new-run-preset", model="random_forest"), "fast")
    _next(page, 4)
    _next(page, 5)
    expect(page.locator("#new-run-split-method")).to_have_value("kfold")
    page.fill("#new-run-folds", "2")
    expect(page.locator("#new-run-metrics")).not_to_contain_text("F1")
    expect(page.locator("#new-run-directions")).to_contain_text("None chosen: rmse (minimize)")
    _next(page, 6)
    expect(page.locator("#new-run-quick")).not_to_be_checked()
    page.fill("#new-run-n-trials", "2")
    _next(page, 7)
    page.click("#new-run-launch")
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))


def test_newcomer_classifies_then_regresses_one_uploaded_file(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.base_url + "/experiments")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/experiments$"))
    page.fill("#experiments-create-name", "Penguins")
    page.click("#experiments-create-button")
    page.click("#experiments-created-new-run")
    expect(page).to_have_url(re.compile(r"/experiments/\d+/new-run$"))
    experiment_id = int(re.search(r"/experiments/(\d+)/", page.url).group(1))
    launched: list[int] = []
    try:
        _classify_species(page)
        launched.append(int(page.url.rsplit("/", 1)[1]))
        page.goto(f"{server.base_url}/experiments/{experiment_id}")
        page.click("#experiment-new-run")
        _regress_body_mass(page)
        launched.append(int(page.url.rsplit("/", 1)[1]))
    finally:
        context.close()
        runs = _stored_runs(server, experiment_id)
        _stop_drivers(server, [run["id"] for run in runs])
    first, second = (run["spec"] for run in runs)
    assert [run["id"] for run in runs] == launched
    assert first["dataset"]["target"] == "species" and first["task"] == "classification"
    assert first["metrics"][0]["name"] == "f1_macro" and first["quick"] is True
    assert first["split"]["method"] == "stratified_kfold"
    assert first["features"]["exclude"] == ["island"]
    assert second["dataset"]["target"] == "body_mass_g" and second["task"] == "regression"
    assert second["metrics"][0]["name"] in REGRESSION_METRICS
    assert second["split"]["method"] == "kfold" and second["quick"] is False
    assert second["features"]["exclude"] == []


def test_newcomer_changing_the_data_reinfers_the_task_and_what_follows_it(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.base_url + "/experiments")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")
    page.fill("#experiments-create-name", "Switching data")
    page.click("#experiments-create-button")
    page.click("#experiments-created-new-run")
    try:
        page.select_option("#new-run-builtin", "wine")
        page.locator("#new-run-task label:text-is('Classification')").click()
        _next(page, 2)
        _next(page, 3)
        page.locator(_pattern("new-run-model-use", model="random_forest")).uncheck()
        page.locator(_pattern("new-run-model-use", model="logistic_regression")).check()
        _next(page, 4)
        _next(page, 5)
        page.select_option("#new-run-split-method", "stratified_kfold")
        page.locator("#new-run-metrics label:has-text('F1 macro')").click()
        for step in (4, 3, 2, 1):
            page.click("#new-run-back")
            expect(page.locator("#new-run-progress")).to_contain_text(f"Step {step} of 7")

        page.select_option("#new-run-builtin", "diabetes")
        expect(page.locator("#new-run-task input[value='auto']")).to_be_checked()
        expect(page.locator("#new-run-task")).to_contain_text(
            "Inferred from the target (regression)")
        expect(page.locator("#new-run-metric-notes")).to_contain_text(
            "Removed f1_macro: a classification metric, and the task is regression.")
        notes = page.locator("#new-run-task-notes")
        expect(notes).to_contain_text("it is kfold now")
        expect(notes).to_contain_text("Unselected logistic_regression")
        expect(page.locator("#new-run-split-method")).to_have_value("kfold")
        expect(page.locator(_pattern("new-run-model-use",
                                     model="logistic_regression"))).not_to_be_checked()

        page.locator("#new-run-task label:text-is('Classification')").click()
        expect(page.locator("#new-run-task-warning")).to_contain_text(
            "looks like regression, but classification is chosen")
        page.click("#new-run-start-over")
        expect(page.locator("#new-run-feedback")).to_contain_text("Started over")
        expect(page.locator("#new-run-builtin")).to_have_value("iris")
        expect(page.locator("#new-run-task input[value='auto']")).to_be_checked()
        expect(page.locator(_pattern("new-run-model-use", model="random_forest"))).to_be_checked()
        expect(page.locator("#new-run-task-warning")).to_have_count(0)
    finally:
        context.close()
