"""Webhooks, against a real HTTP receiver on 127.0.0.1: posted once per alert, signed, retried
with backoff, delivered after a restart between the trigger and the delivery, never to a
private address unless allowed."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from optunagui.alerts import AlertEvaluator, RuleProblem, create_rule
from optunagui.alerts.channels import Channels
from optunagui.alerts.delivery import RETRY_DELAYS_S, deliver_due, list_deliveries
from optunagui.alerts.webhooks import check_target
from optunagui.store import Database
from optunagui.store._types import utcnow

from .helpers import completed

THRESHOLD = {"metric": "roc_auc", "op": ">", "value": 0.97}


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[Message, bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.headers, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"try later")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _hook_rule(db, experiment, owner, url, form="json", allow_private=True):
    with db.session() as session:
        return create_rule(session, experiment.id, name="AUC above 0.97",
                           kind="metric_threshold", params=THRESHOLD, created_by=owner.id,
                           webhook={"url": url, "format": form},
                           allow_private_webhooks=allow_private)


def test_a_webhook_is_posted_once_and_signed(db, owner, experiment, run, receiver):
    made = _hook_rule(db, experiment, owner, receiver.url)
    assert made.channels == ["in_app", "webhook"] and made.webhook_secret
    completed(db, run, 3, roc_auc=0.99)
    assert len(AlertEvaluator(db).evaluate().fired) == 1
    [sent] = deliver_due(db, Channels(allow_private=True), public_url="https://tuning.example.com")
    assert (sent.status, sent.attempts) == ("sent", 1)
    assert deliver_due(db, Channels(allow_private=True)) == []
    completed(db, run, 4, roc_auc=0.5)
    AlertEvaluator(db).evaluate()
    deliver_due(db, Channels(allow_private=True))

    [(headers, body)] = receiver.requests
    stamp = headers["X-OptunaGui-Timestamp"]
    expected = hmac.new(made.webhook_secret.encode(), stamp.encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-OptunaGui-Signature"] == f"sha256={expected}"
    document = json.loads(body)
    assert document["type"] == "optunagui.alert" and document["trial_number"] == 3
    assert document["rule"]["name"] == "AUC above 0.97"
    assert document["run"] == {"id": run.id, "name": run.name}
    assert document["link"] == f"https://tuning.example.com/runs/{run.id}?trial=3"
    with db.session() as session:
        assert [d.status for d in list_deliveries(session, experiment.id)] == ["sent"]


def test_a_slack_webhook_gets_text(db, owner, experiment, run, receiver):
    _hook_rule(db, experiment, owner, receiver.url, form="slack")
    completed(db, run, 0, roc_auc=0.98)
    AlertEvaluator(db).evaluate()
    deliver_due(db, Channels(allow_private=True))
    [document] = receiver.bodies()
    assert set(document) == {"text"} and "roc_auc" in document["text"]


def test_a_restart_between_trigger_and_delivery_delivers_once(db, owner, experiment, run,
                                                               receiver):
    _hook_rule(db, experiment, owner, receiver.url)
    completed(db, run, 0, roc_auc=0.99)
    AlertEvaluator(db).evaluate()  # fired; the server stops before it sends anything
    restarted = Database(db.url)
    try:
        assert [d.status for d in deliver_due(restarted, Channels(allow_private=True))] == ["sent"]
        AlertEvaluator(restarted).evaluate()
        assert deliver_due(restarted, Channels(allow_private=True)) == []
    finally:
        restarted.dispose()
    assert len(receiver.requests) == 1


def test_a_failed_answer_is_retried_with_backoff_under_the_same_delivery_id(
    db, owner, experiment, run, receiver
):
    _hook_rule(db, experiment, owner, receiver.url)
    completed(db, run, 0, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    receiver.answers = [503]
    now = utcnow() + timedelta(seconds=1)
    [first] = deliver_due(db, Channels(allow_private=True), now=now)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at == now + timedelta(seconds=RETRY_DELAYS_S[0])
    assert "503" in (first.last_answer or "")
    assert deliver_due(db, Channels(allow_private=True), now=now + timedelta(seconds=1)) == []
    [second] = deliver_due(db, Channels(allow_private=True),
                           now=now + timedelta(seconds=RETRY_DELAYS_S[0] + 1))
    assert (second.status, second.attempts) == ("sent", 2)
    ids = {headers["X-OptunaGui-Delivery"] for headers, _ in receiver.requests}
    assert len(receiver.requests) == 2 and len(ids) == 1


def test_a_refusal_is_not_retried_and_an_unreachable_receiver_gives_up(db, owner, experiment,
                                                                        run, receiver):
    _hook_rule(db, experiment, owner, receiver.url)
    completed(db, run, 0, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    receiver.answers = [404]
    [refused] = deliver_due(db, Channels(allow_private=True))
    assert (refused.status, refused.attempts) == ("failed", 1)

    _hook_rule(db, experiment, owner, "http://127.0.0.1:9/nobody")
    completed(db, run, 1, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    moment = utcnow() + timedelta(seconds=1)
    outcomes = []
    for delay in (0, *RETRY_DELAYS_S):
        moment += timedelta(seconds=delay + 1)
        outcomes += [o for o in deliver_due(db, Channels(allow_private=True), now=moment)
                     if o.target.endswith("/nobody")]
    assert [o.status for o in outcomes] == ["pending"] * len(RETRY_DELAYS_S) + ["failed"]
    assert "not reached" in (outcomes[-1].last_answer or "")


def test_private_targets_are_refused_unless_allowed(db, owner, experiment, run, receiver):
    with pytest.raises(RuleProblem) as refused:
        _hook_rule(db, experiment, owner, receiver.url, allow_private=False)
    [(field, message)] = refused.value.problems
    assert field == "webhook.url" and "OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS" in message
    assert check_target("https://hooks.example.com/x", allow_private=False,
                        resolve=lambda host, port: ["10.1.2.3"]) is not None
    assert check_target("https://hooks.example.com/x", allow_private=False,
                        resolve=lambda host, port: ["93.184.215.14"]) is None
    assert "does not resolve" in check_target(
        "https://nowhere.invalid/x", allow_private=False,
        resolve=lambda host, port: (_ for _ in ()).throw(OSError("no such host")))

    _hook_rule(db, experiment, owner, receiver.url, allow_private=True)
    completed(db, run, 0, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    [delivery] = deliver_due(db, Channels(allow_private=False))  # the setting was taken away since
    assert delivery.status == "failed" and "refused" in (delivery.last_answer or "")
    assert receiver.requests == []


@pytest.mark.parametrize("webhook, channels, field", [
    ("https://hooks.example.com", None, "webhook"),
    ({"url": "ftp://hooks.example.com/x"}, None, "webhook.url"),
    ({"url": "https://user:pw@hooks.example.com/x"}, None, "webhook.url"),
    ({"url": "https://hooks.example.com/x", "format": "teams"}, None, "webhook.format"),
    ({"url": "https://hooks.example.com/x", "secret": "s"}, None, "webhook.secret"),
    (None, ["in_app", "webhook"], "webhook"),
    ({"url": "https://hooks.example.com/x"}, ["in_app"], "channels"),
])
def test_bad_webhooks_are_named(db, owner, experiment, webhook, channels, field):
    with db.session() as session, pytest.raises(RuleProblem) as refused:
        create_rule(session, experiment.id, name="r", kind="metric_threshold",
                    params=THRESHOLD, created_by=owner.id, webhook=webhook,
                    channels=channels, allow_private_webhooks=True)
    assert field in [name for name, _ in refused.value.problems]
