"""The dashboard under a path prefix, as a reverse proxy that forwards the full path serves it:
`optunagui serve` with OPTUNAGUI_PUBLIC_URL=http://127.0.0.1:PORT/optunagui, walked in
Chromium from sign-in to a run's analysis. Every link, form, script and stylesheet on the way
points under /optunagui/, and the browser asks for nothing outside it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from optunagui.alerts import AlertEvaluator, create_rule
from optunagui.config import load_settings
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    get_user_by_name,
)
from tests.dashapp.analysis_data import write_run
from tests.e2e.conftest import Server, _free_port, _serve_command, _wait_until_up

pytestmark = pytest.mark.e2e

PREFIX = "/optunagui"
TIMEOUT_MS = 30_000
# Everything on the page that makes the browser ask the server for something.
ADDRESSES_JS = """() => [
    ...[...document.querySelectorAll("a[href], link[href]")].map(e => e.href),
    ...[...document.querySelectorAll("form[action]")].map(e => e.action),
    ...[...document.querySelectorAll("script[src], img[src]")].map(e => e.src),
]"""


@pytest.fixture(scope="module")
def prefixed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("e2e-prefix")
    log_path = data_dir / "serve.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}{PREFIX}"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("OPTUNAGUI_") and key != "RAY_ADDRESS"}
    env.update(OPTUNAGUI_DATA_DIR=str(data_dir), OPTUNAGUI_PUBLIC_URL=base_url,
               PYTHONUNBUFFERED="1")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*_serve_command(), "--host", "127.0.0.1", "--port", str(port), "--no-alerts"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        password = _wait_until_up(process, log_path, base_url)
        yield Server(base_url=base_url, admin_password=password, log_path=log_path)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def _seed(server: Server) -> tuple[int, int, int]:
    database = Database(load_settings({"OPTUNAGUI_DATA_DIR": str(server.log_path.parent)})
                        .database_url)
    try:
        with database.session() as session:
            admin = get_user_by_name(session, "admin")
            experiment = create_experiment(session, "Behind the proxy", admin.id)
            experiment_id, admin_id = experiment.id, admin.id
        first = write_run(database, experiment_id, "first", admin_id, seed=1)
        second = write_run(database, experiment_id, "second", admin_id, seed=2, shift=0.05)
        with database.session() as session:  # one alert in the inbox, with its links
            watched = create_run(session, experiment_id, "watched",
                                 {"metrics": [{"name": "roc_auc", "direction": "maximize"}]},
                                 created_by=admin_id)
            create_rule(session, experiment_id, name="AUC above 0.97", kind="metric_threshold",
                        params={"metric": "roc_auc", "op": ">", "value": 0.97},
                        created_by=admin_id)
            append_events(session, watched.id, [
                {"kind": "completed", "trial_number": 0, "metrics": {"roc_auc": 0.981}}])
        assert len(AlertEvaluator(database).evaluate().fired) == 1
    finally:
        database.dispose()
    return experiment_id, first, second


def _outside_the_prefix(page: Page, origin: str) -> list[str]:
    addresses = page.evaluate(ADDRESSES_JS)
    assert addresses
    return [a for a in addresses
            if not a.startswith(origin + PREFIX + "/") and a != origin + PREFIX]


def test_the_dashboard_under_a_prefix_links_and_asks_only_under_it(prefixed_server, browser):
    experiment_id, first, second = _seed(prefixed_server)
    origin = prefixed_server.base_url.removesuffix(PREFIX)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(prefixed_server.base_url + "/experiments")
    expect(page).to_have_url(re.compile(rf"^{origin}{PREFIX}/login\?next="))
    assert _outside_the_prefix(page, origin) == []
    page.fill("#login-username", "admin")
    page.fill("#login-password", prefixed_server.admin_password)
    page.click("#login-submit")
    expect(page).to_have_url(f"{origin}{PREFIX}/experiments")
    expect(page.locator("#experiments-list-table")).to_contain_text("Behind the proxy")
    assert _outside_the_prefix(page, origin) == []

    page.click("#experiments-list-table >> text=Behind the proxy")
    expect(page).to_have_url(f"{origin}{PREFIX}/experiments/{experiment_id}")
    expect(page.locator("#experiment-title")).to_have_text("Behind the proxy")
    box = page.locator("#experiment-compare-runs")
    box.get_by_label(f"#{first} first").check()
    box.get_by_label(f"#{second} second").check()
    expect(page.locator("#experiment-compare-link")).to_have_attribute(
        "href", f"{PREFIX}/compare?runs={first},{second}")
    assert _outside_the_prefix(page, origin) == []

    page.click(f"a[href='{PREFIX}/runs/{first}']")
    expect(page).to_have_url(f"{origin}{PREFIX}/runs/{first}")
    expect(page.locator("#run-analysis-link")).to_have_attribute(
        "href", f"{PREFIX}/runs/{first}/analysis")
    assert _outside_the_prefix(page, origin) == []
    page.click("#run-analysis-link")
    expect(page).to_have_url(f"{origin}{PREFIX}/runs/{first}/analysis")
    expect(page.locator("#analysis-scatter-graph .main-svg").first).to_be_visible()
    assert _outside_the_prefix(page, origin) == []

    page.click("#shell-nav-alerts a")
    expect(page).to_have_url(f"{origin}{PREFIX}/alerts")
    expect(page.locator("#alerts-inbox")).to_contain_text("roc_auc 0.981 > 0.97")
    expect(page.locator("#alerts-inbox a").first).to_have_attribute(
        "href", f"{PREFIX}/experiments/{experiment_id}")
    assert _outside_the_prefix(page, origin) == []

    page.click("#shell-sign-out")
    expect(page).to_have_url(f"{origin}{PREFIX}/login")
    asked_here = [url for url in requested if url.startswith(origin + "/")]
    assert len(asked_here) == len(requested), requested
    assert len(asked_here) > 20
    assert [url for url in asked_here if not urlsplit(url).path.startswith(PREFIX + "/")] == []
    assert errors == []
    assert page.request.get(origin + "/experiments").status == 404
    context.close()
