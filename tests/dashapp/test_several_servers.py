"""Two `optunagui serve` processes on one PostgreSQL database, behind one round-robin proxy:
whichever process answers, a session, a sign-out, a CSRF-checked form, a Dash callback and an
API token mean the same; both run their alert loops, and a rule that fires once gives one
alert, one inbox entry per subscriber and one webhook post."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from sqlalchemy import func, select, text

from bench._browser import bare_env, free_port
from bench._proxy import UPSTREAM_HEADER, RoundRobinProxy
from optunagui.accounts import hash_password
from optunagui.alerts import create_rule, list_inbox
from optunagui.alerts.evaluator import _LOCK_KEY as EVALUATOR_LOCK_KEY
from optunagui.store import (
    Database,
    accounts,
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
)
from optunagui.store.alerts import Alert, AlertDelivery
from optunagui.store.memberships import set_member_role
from tests.alerts.test_webhooks import Receiver
from tests.conftest import _fresh_postgres_schema

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "olivia's long password"
SPEC = {"metrics": [{"name": "roc_auc", "direction": "maximize"}]}
START_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def shared_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL schema: the servers migrate it themselves, both at once."""
    yield from _fresh_postgres_schema(request)


def _ready(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


@contextmanager
def _two_servers(url: str, folder: Path) -> Iterator[list[tuple[int, subprocess.Popen]]]:
    """Two servers with their alert loops, started at once; ended however the test ends."""
    key = "shared-secret-" + uuid.uuid4().hex
    started: list[tuple[int, subprocess.Popen]] = []
    try:
        for index in range(2):
            port = free_port()
            env = bare_env(OPTUNAGUI_DATABASE_URL=url, OPTUNAGUI_SECRET_KEY=key,
                           OPTUNAGUI_DATA_DIR=str(folder / f"data-{index}"),
                           OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS="1",
                           OPTUNAGUI_ADMIN_PASSWORD="the admin's long password")
            with (folder / f"serve-{index}.log").open("w") as log:
                started.append((port, subprocess.Popen(
                    [sys.executable, "-m", "optunagui", "serve", "--host", "127.0.0.1",
                     "--port", str(port), "--no-follower", "--threads", "4"],
                    env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)))
        deadline = time.monotonic() + START_TIMEOUT_S
        for index, (port, process) in enumerate(started):
            while not _ready(port):
                log = (folder / f"serve-{index}.log").read_text()[-3000:]
                assert process.poll() is None, f"server {index} exited:\n{log}"
                assert time.monotonic() < deadline, f"server {index} did not come up:\n{log}"
                time.sleep(0.2)
        yield started
    finally:
        for _, process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Cluster:
    url: str
    db: Database
    processes: list[subprocess.Popen]
    proxy: RoundRobinProxy


@pytest.fixture(scope="module")
def cluster(shared_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with _two_servers(shared_url, tmp_path_factory.mktemp("servers")) as started:
        proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port, _ in started]).start()
        db = Database(shared_url)
        try:
            yield Cluster(proxy.url, db, [process for _, process in started], proxy)
        finally:
            proxy.stop()
            db.dispose()


@dataclass
class World:
    olivia: int
    bob: int
    experiment: int
    run: int
    token: str


@pytest.fixture(scope="module")
def world(cluster: Cluster) -> World:
    """Olivia (owner, signs in), Bob (viewer), a running run, an API token of Olivia's."""
    with cluster.db.session() as session:
        olivia = create_user(session, "olivia", hash_password(PASSWORD)).id
        bob = create_user(session, "bob", hash_password(PASSWORD)).id
        experiment = create_experiment(session, "iris", olivia).id
        set_member_role(session, experiment, bob, "viewer")
        run = create_run(session, experiment, "run 1", SPEC, created_by=olivia).id
        update_run_status(session, run, "running")
        token = accounts.create_api_token(session, olivia, label="both")[1]
    return World(olivia, bob, experiment, run, token)


def _upstreams(send: Callable[[], requests.Response]) -> dict[int, requests.Response]:
    """The same request twice: the proxy takes turns, so each process answers it once."""
    answers = [send() for _ in range(2)]
    return {int(answer.headers[UPSTREAM_HEADER]): answer for answer in answers}


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _sign_in(base: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{base}/login")
    answer = browser.post(f"{base}/login", allow_redirects=False, data={
        "username": "olivia", "password": PASSWORD, "csrf_token": _form_token(form.text),
        "next": ""})
    assert answer.status_code == 302, answer.text[:300]
    # The form came from one process and was checked by the other.
    assert form.headers[UPSTREAM_HEADER] != answer.headers[UPSTREAM_HEADER]
    return browser


def _experiments_callback(browser: requests.Session, base: str, csrf: str | None = None
                          ) -> Callable[[], Any]:
    """Posts the experiments table's callback, with the session's CSRF token or `csrf`."""
    [dependency] = [d for d in browser.get(f"{base}/_dash-dependencies").json()
                    if d["output"] == "experiments-table.children"]
    inputs = [{"id": i["id"], "property": i["property"],
               "value": "" if i["property"] == "value" else None} for i in dependency["inputs"]]
    body = {"output": dependency["output"],
            "outputs": {"id": "experiments-table", "property": "children"},
            "inputs": inputs, "state": [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}

    def post() -> requests.Response:
        token = csrf or browser.cookies.get("_csrf_token") or ""
        return browser.post(f"{base}/_dash-update-component", json=body,
                            headers={"X-CSRFToken": token})
    return post


def test_a_session_works_on_both_processes_and_ends_on_both(cluster, world):
    browser = _sign_in(cluster.url)
    pages = _upstreams(lambda: browser.get(f"{cluster.url}/experiments", allow_redirects=False))
    assert sorted(pages) == [0, 1] and {a.status_code for a in pages.values()} == {200}

    browser.get(f"{cluster.url}/experiments")  # the page sets the callbacks' CSRF cookie
    callbacks = _upstreams(_experiments_callback(browser, cluster.url))
    assert sorted(callbacks) == [0, 1]
    assert all(a.status_code == 200 and "iris" in a.text for a in callbacks.values())

    copy = requests.Session()
    copy.cookies.update(browser.cookies)
    form = browser.get(f"{cluster.url}/logout")
    signed_out = browser.post(f"{cluster.url}/logout", allow_redirects=False,
                              data={"csrf_token": _form_token(form.text)})
    assert signed_out.status_code == 302 and signed_out.headers["Location"].endswith("/login")
    assert form.headers[UPSTREAM_HEADER] != signed_out.headers[UPSTREAM_HEADER]
    after = _upstreams(lambda: copy.get(f"{cluster.url}/experiments", allow_redirects=False))
    assert sorted(after) == [0, 1]
    assert all(a.status_code == 302 and "/login" in a.headers["Location"]
               for a in after.values())


def test_a_callback_without_the_sessions_csrf_token_is_refused_by_both(cluster, world):
    browser = _sign_in(cluster.url)
    browser.get(f"{cluster.url}/experiments")
    refused = _upstreams(_experiments_callback(browser, cluster.url, csrf="forged"))
    assert sorted(refused) == [0, 1] and {a.status_code for a in refused.values()} == {403}


def test_an_api_token_works_on_both_processes(cluster, world):
    def listing() -> requests.Response:
        return requests.get(f"{cluster.url}/api/v1/experiments",
                            headers={"Authorization": f"Bearer {world.token}"})
    answers = _upstreams(listing)
    assert sorted(answers) == [0, 1]
    assert all(a.status_code == 200 and "iris" in a.text for a in answers.values())


def _server_of_backend(cluster: Cluster) -> dict[int, int]:
    """PostgreSQL backend pid -> index of the server process holding that connection."""
    ports = {}
    for index, process in enumerate(cluster.processes):
        for connection in psutil.Process(process.pid).net_connections("tcp"):
            if connection.raddr and connection.raddr.port == 5432:
                ports[connection.laddr.port] = index
    with cluster.db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL"))
        return {pid: ports[port] for pid, port in rows if port in ports}


def _waiting_for_the_evaluator_lock(cluster: Cluster) -> set[int]:
    """The servers whose alert loop waits for the evaluator's lock now."""
    with cluster.db.engine.connect() as connection:
        waiting = set(connection.scalars(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid = :low AND classid = :high"),
            {"low": EVALUATOR_LOCK_KEY & 0xFFFFFFFF, "high": EVALUATOR_LOCK_KEY >> 32}))
    owners = _server_of_backend(cluster)
    return {owners[pid] for pid in waiting if pid in owners}


def _until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


def test_both_alert_loops_run_and_a_rule_fires_once(cluster, world):
    receiver = Receiver()
    try:
        with cluster.db.session() as session:
            create_rule(session, world.experiment, name="AUC above 0.97",
                        kind="metric_threshold",
                        params={"metric": "roc_auc", "op": ">", "value": 0.97},
                        created_by=world.olivia, subscribers=[world.olivia, world.bob],
                        webhook={"url": receiver.url, "format": "json"},
                        allow_private_webhooks=True)
        holder = cluster.db.engine.connect()
        try:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": EVALUATOR_LOCK_KEY})
            holder.commit()
            # Both loops queue behind the lock: both run, and both see the event at once.
            _until(lambda: _waiting_for_the_evaluator_lock(cluster) == {0, 1}, 20,
                   "both servers' alert loops")
            with cluster.db.session() as session:
                append_events(session, world.run, [{"kind": "completed", "trial_number": 0,
                                                    "metrics": {"roc_auc": 0.99}}])
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": EVALUATOR_LOCK_KEY})
            holder.close()
        _until(lambda: receiver.requests, 20, "the webhook")
        time.sleep(3)  # several more passes of both loops: nothing more may come
        with cluster.db.session() as session:
            alerts = session.scalar(select(func.count()).select_from(Alert))
            deliveries = list(session.scalars(select(AlertDelivery)))
            inboxes = [len(list_inbox(session, user)) for user in (world.olivia, world.bob)]
        assert alerts == 1 and inboxes == [1, 1]
        assert [(d.status, d.attempts) for d in deliveries] == [("sent", 1)]
        assert len(receiver.requests) == 1
        assert receiver.bodies()[0]["rule"]["name"] == "AUC above 0.97"
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
