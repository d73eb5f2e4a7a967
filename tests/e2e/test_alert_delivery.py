"""An alert as a new user meets it, end to end: an admin sets their email and makes a
read-write token on the Account page, a script creates an experiment with the Python client,
the admin makes the rule "roc_auc > 0.97" (best so far, by email and to a webhook) on the
experiment page, the script launches a real run, and the pop-up shows on the open page.

The mail server and the webhook receiver are down when the alert fires, and the server is
killed right after (SIGKILL, so nothing is flushed on the way out); once both receivers are up
and the server is started again, the email arrives at a real SMTP server (aiosmtpd on
127.0.0.1) and the webhook at a real HTTP receiver, each exactly once. A second rule, "the run
completed", fires after the restart and is delivered once as well."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from optunagui.client import Client
from optunagui.status import TERMINAL_RUN_STATUSES
from tests.e2e.conftest import _free_port, _wait_until_up, serve_env, serving
from tests.smtp_receiver import SmtpReceiver

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 20_000
RUN_TIMEOUT_S = 300
SPEC = {
    "name": "breast cancer, logistic regression",
    "dataset": {"builtin": "breast_cancer"},
    "model": "logistic_regression",
    "metrics": [{"name": "roc_auc", "direction": "maximize"}],
    "split": {"method": "stratified_kfold", "folds": 2, "seed": 0},
    "sampler": {"name": "random", "seed": 0},
    "budget": {"n_trials": 3, "max_concurrent": 1},
}


class WebhookReceiver:
    """An HTTP receiver on a port chosen now, listening only once ``start()`` is called."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.posts: list[tuple[dict[str, str], dict]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                posts.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _environ(data_dir: Path, smtp: SmtpReceiver, public_url: str) -> dict[str, str]:
    return serve_env(data_dir, **smtp.environ(), OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS="1",
                     OPTUNAGUI_PUBLIC_URL=public_url)


def _wait_for_login_page(process: subprocess.Popen, log_path: Path, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not come up again:\n{log_path.read_text()}")


@contextmanager
def _server(data_dir: Path, port: int, env: dict[str, str], log_name: str
            ) -> Iterator[tuple[subprocess.Popen, Path]]:
    log_path = data_dir.parent / log_name
    with serving(port, env, log_path) as process:
        yield process, log_path


def _sign_in(page: Page, base_url: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#login-username", "admin")
    page.fill("#login-password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/experiments$"))


def _email_and_token(page: Page, base_url: str) -> str:
    page.goto(base_url + "/account")
    expect(page.locator("#account-heading")).to_have_text("admin")  # the page has its data
    page.fill("#account-email", "admin@example.com")
    page.click("#account-email-save")
    expect(page.locator("#account-email-feedback")).to_contain_text("Email saved")
    page.fill("#account-token-label", "script")
    page.select_option("#account-token-scope", "read-write")
    page.click("#account-token-create")
    return page.locator("#account-token-value").inner_text().strip()


def _make_rule(page: Page, base_url: str, experiment_id: int, hook_url: str) -> None:
    page.goto(f"{base_url}/experiments/{experiment_id}")
    page.fill("#experiment-alert-name", "AUC above 0.97")
    page.fill("#experiment-alert-metric", "roc_auc")
    page.fill("#experiment-alert-value", "0.97")
    page.select_option("#experiment-alert-scope", "best")
    page.fill("#experiment-alert-webhook-url", hook_url)
    page.locator("#experiment-alert-email").get_by_text("Also email").click()
    page.click("#experiment-alert-create")
    expect(page.locator("#experiment-alert-feedback")).to_contain_text("created")
    expect(page.locator("#experiment-alert-rules")).to_contain_text("by email")


def _until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.5)


def test_an_alert_reaches_the_page_the_mailbox_and_the_webhook_once_across_a_restart(
        tmp_path, browser):
    data_dir = tmp_path / "data"
    smtp, hook = SmtpReceiver(), WebhookReceiver()
    first_port, second_port = _free_port(), _free_port()
    first_url, second_url = (f"http://127.0.0.1:{p}" for p in (first_port, second_port))
    env = _environ(data_dir, smtp, second_url)
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        with _server(data_dir, first_port, env, "first.log") as (first, first_log):
            password = _wait_until_up(first, first_log, first_url)
            _sign_in(page, first_url, password)
            token = _email_and_token(page, first_url)
            client = Client(first_url, token)
            experiment = client.create_experiment("Churn")
            client.create_alert_rule(experiment["id"], "Run finished", "run_status",
                                     {"statuses": ["completed"]},
                                     webhook={"url": hook.url, "format": "json"},
                                     channels=["in_app", "webhook", "email"])
            _make_rule(page, first_url, experiment["id"], hook.url)
            page.wait_for_timeout(5000)  # the pop-up's first poll remembers where the inbox is

            run = client.launch(experiment["id"], SPEC)
            toast = page.locator("#shell-alert-toast")
            expect(toast).to_contain_text("AUC above 0.97: best roc_auc",
                                          timeout=RUN_TIMEOUT_S * 1000)
            expect(toast.get_by_role("link", name=re.compile(r"^Open run \(trial"))
                   ).to_have_attribute("href", re.compile(rf"^/runs/{run['id']}\?trial=\d+$"))
            os.kill(first.pid, signal.SIGKILL)  # its run's driver goes on by itself
            first.wait()
        assert smtp.messages == [] and hook.posts == []

        smtp.start()
        hook.start()
        with _server(data_dir, second_port, env, "second.log") as (second, second_log):
            _wait_for_login_page(second, second_log, second_url)
            client = Client(second_url, token)
            _until(lambda: client.run(run["id"])["status"] in TERMINAL_RUN_STATUSES,
                   RUN_TIMEOUT_S, "the run to finish")
            assert client.run(run["id"])["status"] == "completed"
            _until(lambda: len(smtp.messages) >= 2 and len(hook.posts) >= 2, 60,
                   "two emails and two webhook posts")
            time.sleep(8)  # past the first retry: nothing is sent twice

            subjects = sorted(str(message["Subject"]).strip() for _, message in smtp.messages)
            assert len(subjects) == 2, subjects
            assert subjects[0].startswith("[OptunaGui] AUC above 0.97: best roc_auc")
            assert subjects[1].startswith("[OptunaGui] Run finished: ")
            assert all(to == ["admin@example.com"] for to, _ in smtp.messages)
            assert f"{second_url}/runs/{run['id']}" in smtp.messages[0][1].get_content()
            rules = sorted(body["rule"]["name"] for _, body in hook.posts)
            assert rules == ["AUC above 0.97", "Run finished"]
            deliveries = [headers["x-optunagui-delivery"] for headers, _ in hook.posts]
            assert len(set(deliveries)) == 2

            page.goto(second_url + "/alerts")  # the session outlived the server
            expect(page.locator("#alerts-heading")).to_have_text("Alerts (2 unread)")
            inbox = page.locator("#alerts-inbox")
            expect(inbox).to_contain_text("AUC above 0.97: best roc_auc")
            expect(inbox).to_contain_text("Run finished")
            inbox_alerts = client.alerts()["alerts"]
            assert sorted(a["rule_name"] for a in inbox_alerts) == ["AUC above 0.97",
                                                                    "Run finished"]
    finally:
        page.context.close()
        smtp.stop()
        hook.stop()
