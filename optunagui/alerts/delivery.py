"""Deliveries of alerts to webhooks: queued with the alert, sent by the server's alert loop,
retried with backoff, logged with their status.

A delivery is claimed before it is sent (its next try moved a lease ahead, in a committed
transaction; on PostgreSQL with ``SKIP LOCKED``), so two loops never send it at once; a process
that dies between the claim and the answer leaves it to be sent again when the lease ends
(receivers drop a repeat by ``X-OptunaGui-Delivery``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.alerts import webhooks
from optunagui.store import Database
from optunagui.store._types import utcnow
from optunagui.store.alerts import Alert, AlertDelivery, AlertRule
from optunagui.store.tables import Experiment, Run

__all__ = ["RETRY_DELAYS_S", "DeliveryRecord", "deliver_due", "list_deliveries",
           "queue_webhook"]

RETRY_DELAYS_S = (5, 30, 120, 600, 1800)  # after the 1st, 2nd... failed attempt; then failed
LEASE_S = 60
BATCH = 20

Send = Callable[[str, bytes, dict[str, str]], webhooks.Answer]


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    alert_id: int
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_answer: str | None
    sent_at: datetime | None


def queue_webhook(session: Session, alert: Alert, rule: AlertRule) -> None:
    """The webhook delivery of a new alert, in the alert's own transaction."""
    if "webhook" in (rule.channels or []) and rule.webhook:
        session.add(AlertDelivery(alert_id=alert.id, channel="webhook",
                                  target=str(rule.webhook["url"]), status="pending",
                                  attempts=0, next_attempt_at=alert.created_at or utcnow()))


def _claim(db: Database, now: datetime) -> list[int]:
    with db.session() as session:
        query = (select(AlertDelivery)
                 .where(AlertDelivery.status == "pending",
                        AlertDelivery.next_attempt_at <= now)
                 .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id).limit(BATCH))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = list(session.scalars(query))
        for delivery in claimed:
            delivery.attempts += 1
            delivery.next_attempt_at = now + timedelta(seconds=LEASE_S)
        return [delivery.id for delivery in claimed]


def _request(session: Session, delivery: AlertDelivery, public_url: str | None
             ) -> tuple[str, bytes, dict[str, str]] | None:
    row = session.execute(
        select(Alert, AlertRule, Run.name, Experiment.name)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Experiment, Experiment.id == Alert.experiment_id)
        .outerjoin(Run, Run.id == Alert.run_id)
        .where(Alert.id == delivery.alert_id)).first()
    if row is None:
        return None
    alert, rule, run_name, experiment_name = row
    hook, secret = rule.webhook, rule.webhook_secret
    if not hook or not secret:
        return None
    link = f"{public_url.rstrip('/')}/runs/{alert.run_id}" if public_url and alert.run_id else None
    document: dict[str, Any] = {
        "id": alert.id, "message": alert.message, "value": alert.value,
        "trial_number": alert.trial_number, "created_at": alert.created_at.isoformat(),
        "rule": {"id": rule.id, "name": rule.name, "kind": rule.kind},
        "experiment": {"id": alert.experiment_id, "name": experiment_name},
        "run": {"id": alert.run_id, "name": run_name} if alert.run_id else None,
        "link": link,
    }
    body = webhooks.webhook_body(str(hook.get("format", "json")), document)
    stamp = str(int(time.time()))
    headers = {"X-OptunaGui-Delivery": str(delivery.id), "X-OptunaGui-Timestamp": stamp,
               webhooks.SIGNATURE_HEADER: webhooks.signature(secret, stamp, body)}
    return delivery.target, body, headers


def _settle(delivery: AlertDelivery, answer: webhooks.Answer, now: datetime) -> None:
    delivery.last_answer = (f"{answer.status} {answer.text}" if answer.status is not None
                            else answer.text)[:1000]
    if answer.status is not None and 200 <= answer.status < 300:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = "sent", now, None
        return
    retryable = answer.status is None or answer.status >= 500 or answer.status in (408, 429)
    if retryable and delivery.attempts <= len(RETRY_DELAYS_S):
        delay = RETRY_DELAYS_S[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = "failed", None


def deliver_due(
    db: Database,
    *,
    allow_private: bool = False,
    public_url: str | None = None,
    now: datetime | None = None,
    send: Send = webhooks.post,
    resolve: webhooks.Resolve | None = None,
) -> list[DeliveryRecord]:
    """Send the deliveries whose time has come; returns them as they ended up."""
    moment = now or utcnow()
    done = []
    for delivery_id in _claim(db, moment):
        with db.session() as session:
            request = _request(session, session.get_one(AlertDelivery, delivery_id), public_url)
        if request is None:
            answer = webhooks.Answer(None, "the rule no longer has a webhook")
        else:
            target, body, headers = request
            kwargs = {"resolve": resolve} if resolve else {}
            why = webhooks.check_target(target, allow_private=allow_private, **kwargs)
            answer = (webhooks.Answer(400, f"refused: {why}") if why
                      else send(target, body, headers))
        with db.session() as session:
            delivery = session.get_one(AlertDelivery, delivery_id)
            _settle(delivery, answer, moment)
            done.append(_record(delivery))
    return done


def _record(delivery: AlertDelivery) -> DeliveryRecord:
    return DeliveryRecord(delivery.id, delivery.alert_id, delivery.channel, delivery.target,
                          delivery.status, delivery.attempts, delivery.next_attempt_at,
                          delivery.last_answer, delivery.sent_at)


def list_deliveries(session: Session, experiment_id: int, *, limit: int = 50
                    ) -> list[DeliveryRecord]:
    """The experiment's latest deliveries, newest first (the delivery log)."""
    rows = session.scalars(
        select(AlertDelivery).join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(Alert.experiment_id == experiment_id)
        .order_by(AlertDelivery.id.desc()).limit(limit))
    return [_record(row) for row in rows]
