"""Deliveries of alerts to webhooks and by email: queued with the alert, sent by the server's
alert loop, retried with backoff, logged with their status.

A delivery is claimed before it is sent (its next try moved a lease ahead, in a committed
transaction; on PostgreSQL with ``SKIP LOCKED``), so two loops never send it at once; a process
that dies between the claim and the answer leaves it to be sent again when the lease ends
(receivers drop a repeat by ``X-OptunaGui-Delivery``; an email keeps its ``Message-ID``).
An email goes to each recipient of the alert with an address under Account, as it was when the
alert fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.alerts.channels import Channels, Outcome, send_email, send_webhook
from optunagui.alerts.inbox import alert_path
from optunagui.store import Database
from optunagui.store._types import utcnow
from optunagui.store.alerts import Alert, AlertDelivery, AlertRule
from optunagui.store.tables import Experiment, Run, User

__all__ = ["RETRY_DELAYS_S", "DeliveryRecord", "deliver_due", "list_deliveries",
           "queue_deliveries"]

RETRY_DELAYS_S = (5, 30, 120, 600, 1800)  # after the 1st, 2nd... failed attempt; then failed
LEASE_S = 60
BATCH = 20



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


def queue_deliveries(session: Session, alert: Alert, rule: AlertRule,
                     recipient_ids: list[int]) -> None:
    """The webhook and email deliveries of a new alert, in the alert's own transaction."""
    channels = rule.channels or []
    targets: list[tuple[str, str]] = []
    if "webhook" in channels and rule.webhook:
        targets.append(("webhook", str(rule.webhook["url"])))
    if "email" in channels and recipient_ids:
        addresses = session.scalars(select(User.email).where(
            User.id.in_(recipient_ids), User.email.is_not(None)).order_by(User.id))
        targets += [("email", address) for address in dict.fromkeys(addresses) if address]
    for channel, target in targets:
        session.add(AlertDelivery(alert_id=alert.id, channel=channel, target=target,
                                  status="pending", attempts=0,
                                  next_attempt_at=alert.created_at or utcnow()))


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


def _document(session: Session, alert_id: int, public_url: str | None
              ) -> tuple[dict[str, Any], dict[str, Any] | None, str | None] | None:
    """The alert as its deliveries tell it, with the rule's webhook and secret."""
    row = session.execute(
        select(Alert, AlertRule, Run.name, Experiment.name)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(Experiment, Experiment.id == Alert.experiment_id)
        .outerjoin(Run, Run.id == Alert.run_id)
        .where(Alert.id == alert_id)).first()
    if row is None:
        return None
    alert, rule, run_name, experiment_name = row
    link = (public_url.rstrip("/") + alert_path(alert.run_id, alert.trial_number)
            if public_url and alert.run_id else None)
    document: dict[str, Any] = {
        "id": alert.id, "message": alert.message, "value": alert.value,
        "trial_number": alert.trial_number, "created_at": alert.created_at.isoformat(),
        "rule": {"id": rule.id, "name": rule.name, "kind": rule.kind},
        "experiment": {"id": alert.experiment_id, "name": experiment_name},
        "run": {"id": alert.run_id, "name": run_name} if alert.run_id else None,
        "link": link,
    }
    return document, rule.webhook, rule.webhook_secret


def _attempt(db: Database, delivery_id: int, public_url: str | None, channels: Channels
             ) -> Outcome:
    with db.session() as session:
        delivery = session.get_one(AlertDelivery, delivery_id)
        channel, target = delivery.channel, delivery.target
        found = _document(session, delivery.alert_id, public_url)
    if found is None:
        return Outcome(False, False, "the alert no longer exists")
    document, hook, secret = found
    if channel == "email":
        return send_email(target, delivery_id, document, channels)
    return send_webhook(target, delivery_id, document, hook, secret, channels)


def _settle(delivery: AlertDelivery, outcome: Outcome, now: datetime) -> None:
    delivery.last_answer = outcome.text[:1000]
    if outcome.sent:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = "sent", now, None
    elif outcome.retry and delivery.attempts <= len(RETRY_DELAYS_S):
        delay = RETRY_DELAYS_S[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = "failed", None


def deliver_due(db: Database, channels: Channels | None = None, *,
                public_url: str | None = None, now: datetime | None = None
                ) -> list[DeliveryRecord]:
    """Send the deliveries whose time has come; returns them as they ended up.

    Without an SMTP server in ``channels``, email deliveries are retried (an admin may set one
    up meanwhile), then fail saying so.
    """
    moment = now or utcnow()
    channels = channels or Channels()
    done = []
    for delivery_id in _claim(db, moment):
        outcome = _attempt(db, delivery_id, public_url, channels)
        with db.session() as session:
            delivery = session.get_one(AlertDelivery, delivery_id)
            _settle(delivery, outcome, moment)
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
