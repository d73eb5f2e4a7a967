"""The wizard and the live run page as a new user meets them: sign in, create an experiment, set
up a run on a built-in dataset with a small budget, meet a bad input's message next to its field,
reload halfway and find the wizard as it was (edits of the current step included), launch; then
watch trials arrive on the run page without reloading, reload mid-run, pause, adjust a range,
resume (the change is marked on the history plot) and stop."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
# Ray starts a driver (twice: launch and resume) on a machine other tests share: be generous.
RUN_TIMEOUT_MS = 240_000
N_TRIALS = 40


def _slot(field: str) -> str:
    """The CSS selector of a field's message slot (Dash writes dict ids as sorted JSON)."""
    component_id = json.dumps({"field": field, "type": "new-run-error"}, separators=(",", ":"))
    return f"[id='{component_id}']"


def _pattern(kind: str, **keys: str) -> str:
    component_id = json.dumps({**keys, "type": kind}, sort_keys=True, separators=(",", ":"))
    return f"[id='{component_id}']"


def _next(page: Page, step: int) -> None:
    page.click("#new-run-next")
    expect(page.locator("#new-run-progress")).to_contain_text(f"Step {step} of 7")


def _stop_driver(server, run_id: int) -> None:
    """End the launched run's driver, so nothing outlives the test."""
    from cluster.launch.submit import stop_run
    from optunagui.config import load_settings

    data_dir = server.log_path.parent
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(data_dir)})
    stop_run(run_id, replace(settings, ray_address=None), timeout_s=20)


def test_wizard_walk_on_a_builtin_dataset_to_a_launched_run(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(server.base_url + "/experiments")
    page.fill("#login-username", "admin")
    page.fill("#login-password", server.admin_password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/experiments$"))
    page.fill("#experiments-create-name", "Iris tuning")
    page.click("#experiments-create-button")
    page.click("#experiments-created-new-run")
    expect(page).to_have_url(re.compile(r"/experiments/\d+/new-run$"))
    wizard_url = page.url

    # 1. Data: a built-in dataset, its first rows with inferred types, the target.
    expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7: Data")
    # Bad data: a file that is not a table, then no file at all; the step holds.
    page.set_input_files(
        "#new-run-upload input[type=file]",
        files=[{"name": "notes.docx", "mimeType": "application/octet-stream",
                "buffer": b"not a table"}],
    )
    expect(page.locator("#new-run-upload-status")).to_contain_text("not a CSV or Parquet file")
    page.locator("#new-run-source label:has-text('Upload CSV or Parquet')").click()
    page.click("#new-run-next")
    expect(page.locator(_slot("dataset"))).to_contain_text("upload a file")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7")
    page.locator("#new-run-source label:has-text('Built-in dataset')").click()
    page.select_option("#new-run-builtin", "wine")
    expect(page.locator("#new-run-preview-table")).to_contain_text("alcohol (numeric)")
    expect(page.locator("#new-run-task")).to_contain_text("Inferred from the target "
                                                          "(classification)")
    _next(page, 2)

    # 2. Features: one per column, all on for this clean dataset; none at all is refused.
    expect(page.locator("#new-run-features-table")).to_contain_text("proline")
    toggles = page.locator("input[id*='new-run-feature-use']")
    for toggle in toggles.all():
        toggle.uncheck()
    page.click("#new-run-next")
    expect(page.locator(_slot("features"))).to_contain_text("keep at least one feature")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 2 of 7")
    for toggle in toggles.all():
        toggle.check()
    page.select_option(_pattern("new-run-feature-transform", column="proline"), "log1p")
    _next(page, 3)

    # 3. Model: no model is refused; random forest with its fast preset.
    model = page.locator(_pattern("new-run-model-use", model="random_forest"))
    model.uncheck()
    page.click("#new-run-next")
    expect(page.locator(_slot("models"))).to_contain_text("at least one model")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 3 of 7")
    model.check()
    page.select_option(_pattern("new-run-preset", model="random_forest"), "fast")
    _next(page, 4)

    # 4. Search space: the fast preset's ranges; a bad range is refused next to its row.
    estimators_low = _pattern("new-run-space-low", row="random_forest/n_estimators")
    expect(page.locator(estimators_low)).to_have_value("20")
    page.fill(estimators_low, "500")
    page.click("#new-run-next")
    expect(page.locator("#new-run-space")).to_contain_text("greater than high")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 4 of 7")
    page.fill(estimators_low, "20")
    _next(page, 5)

    # 5. Split and metric: metrics for classification, direction shown.
    page.select_option("#new-run-split-method", "stratified_kfold")
    page.fill("#new-run-folds", "1")
    page.click("#new-run-next")
    expect(page.locator(_slot("folds"))).to_contain_text("greater than or equal to 2")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 5 of 7")
    page.fill("#new-run-folds", "2")
    page.locator("#new-run-metrics label:has-text('Balanced accuracy')").click()
    expect(page.locator("#new-run-directions")).to_contain_text("balanced_accuracy: maximize")

    # A reload halfway keeps the wizard: the step, earlier steps, and this step's edits.
    page.reload()
    expect(page.locator("#new-run-progress")).to_contain_text("Step 5 of 7")
    expect(page.locator("#new-run-builtin")).to_have_value("wine")
    expect(page.locator(_pattern("new-run-preset", model="random_forest"))).to_have_value("fast")
    expect(page.locator("#new-run-split-method")).to_have_value("stratified_kfold")
    expect(page.locator("#new-run-folds")).to_have_value("2")
    expect(page.locator("#new-run-directions")).to_contain_text("balanced_accuracy: maximize")
    _next(page, 6)

    # 6. Budget: a bad input gets its message next to the field, and the step holds.
    expect(page.locator("#new-run-resources")).to_contain_text("CPUs")
    page.fill("#new-run-n-trials", "0")
    page.click("#new-run-next")
    expect(page.locator(_slot("n_trials"))).to_contain_text("greater than or equal to 1")
    expect(page.locator("#new-run-progress")).to_contain_text("Step 6 of 7")
    page.fill("#new-run-n-trials", str(N_TRIALS))
    page.fill("#new-run-max-concurrent", "1")
    _next(page, 7)
    expect(page.locator(_slot("n_trials"))).to_be_empty()

    # 7. Review: the spec as YAML, the estimate, then launch.
    expect(page.locator("#new-run-yaml")).to_contain_text(f"n_trials: {N_TRIALS}")
    expect(page.locator("#new-run-yaml")).to_contain_text("proline: log1p")
    expect(page.locator("#new-run-yaml")).to_contain_text("balanced_accuracy")
    expect(page.locator("#new-run-estimate")).to_contain_text(f"1 run, {N_TRIALS} trials in all")
    page.fill("#new-run-name", "wine <b>forest</b>")
    page.click("#new-run-launch")
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    try:
        _steer_the_live_run(page)
        # The draft is gone: a new wizard starts fresh.
        page.goto(wizard_url)
        expect(page.locator("#new-run-progress")).to_contain_text("Step 1 of 7")
        expect(page.locator("#new-run-builtin")).to_have_value("iris")
    finally:
        context.close()
        _stop_driver(server, run_id)


def _complete_trials(page: Page) -> int:
    text = page.locator("#run-counts").inner_text()
    return int(text.split("/")[0].strip())


def _resume(page: Page) -> None:
    """Resume; a driver that has just paused may still be exiting, and then says so."""
    for _ in range(30):
        with page.expect_response(
            lambda r: "_dash-update-component" in r.url
            and "run-control-feedback" in (r.request.post_data or "")
        ) as answer:
            page.click("#run-resume")
        if "Resumed" in answer.value.text():
            expect(page.locator("#run-control-feedback")).to_contain_text("Resumed")
            return
        assert "still saving" in answer.value.text(), answer.value.text()
        page.wait_for_timeout(2_000)
    raise AssertionError("the paused run could not be resumed within a minute")


def _steer_the_live_run(page: Page) -> None:
    header = page.locator("#run-header")
    expect(page.locator("#run-title")).to_have_text("wine <b>forest</b>", timeout=TIMEOUT_MS)
    expect(page.locator("#run-controls")).to_be_visible()

    # Trials arrive without a reload: counts, best value, grid rows and history points.
    expect(header).to_contain_text("running", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-best")).to_contain_text("(trial ", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-trials-grid .ag-row").first).to_be_visible()
    expect(page.locator("#run-history-graph .scatterlayer .point").first).to_be_attached()
    seen = _complete_trials(page)
    expect(page.locator("#run-counts")).not_to_have_text(
        re.compile(rf"^{seen} /"), timeout=RUN_TIMEOUT_MS
    )

    # A reload mid-run shows everything again, from the database.
    before = _complete_trials(page)
    page.reload()
    expect(page.locator("#run-best")).to_contain_text("(trial ", timeout=RUN_TIMEOUT_MS)
    assert _complete_trials(page) >= before
    expect(page.locator("#run-trials-grid .ag-row").first).to_be_visible()
    expect(page.locator("#run-history-graph .scatterlayer .point").first).to_be_attached()

    # Pause: the driver confirms, the running trials end, the run is paused.
    page.click("#run-pause")
    expect(page.locator("#run-control-feedback")).to_contain_text("Pause requested")
    expect(header.locator(".badge")).to_have_text("paused", timeout=RUN_TIMEOUT_MS)
    paused_at = _complete_trials(page)

    # Adjust a range: a bad value is refused next to its parameter, a good one is requested.
    high = _pattern("run-range-high", param="max_depth")
    page.fill(high, "1")
    page.press(high, "Tab")
    page.click("#run-ranges-apply")
    expect(page.locator(_pattern("run-range-message", param="max_depth"))).not_to_be_empty()
    expect(page.locator("#run-ranges-feedback")).to_contain_text("Nothing was changed")
    page.fill(high, "8")
    page.press(high, "Tab")
    page.click("#run-ranges-apply")
    expect(page.locator("#run-ranges-feedback")).to_contain_text("New ranges requested")

    # Resume: the driver starts again, applies the new range and marks it on the history.
    _resume(page)
    expect(header.locator(".badge")).to_have_text("running", timeout=RUN_TIMEOUT_MS)
    history = page.locator("#run-history-graph")
    expect(history).to_contain_text("ranges", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-counts")).not_to_have_text(
        re.compile(rf"^{paused_at} /"), timeout=RUN_TIMEOUT_MS
    )

    # Stop: running trials end, the controls go away, the run is stopped.
    page.click("#run-stop")
    expect(header.locator(".badge")).to_have_text("stopped", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-controls")).to_be_hidden()
    stopped_at = _complete_trials(page)

    # After a reload, the whole run is still there, the range change marked.
    page.reload()
    expect(header.locator(".badge")).to_have_text("stopped")
    expect(page.locator("#run-counts")).to_have_text(re.compile(rf"^{stopped_at} /"))
    expect(page.locator("#run-history-graph")).to_contain_text("ranges")
    expect(page.locator("#run-trials-grid .ag-row").first).to_be_visible()
