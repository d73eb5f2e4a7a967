"""The alerts' tables: rules, their subscribers, alerts fired, each recipient's inbox and the
evaluator's cursor per run. The functions that use them live in `optunagui.alerts`.

An alert's ``key`` is unique per rule (the rule and the trial, run or window it fired for), so
a rule fires at most once per trigger, whoever evaluates it and however often.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from optunagui.store._types import JSONValue, UTCDateTime, utcnow
from optunagui.store.tables import Base

__all__ = [
    "RULE_KINDS",
    "Alert",
    "AlertCursor",
    "AlertDelivery",
    "AlertRule",
    "AlertSubscription",
    "DELIVERY_STATUSES",
    "InboxItem",
]

RULE_KINDS = (
    "metric_threshold",
    "best_improves",
    "run_status",
    "no_improvement",
    "failed_share",
    "stalled",
)
DELIVERY_STATUSES = ("pending", "sent", "failed")
_AUTOINCREMENT = {"sqlite_autoincrement": True}


class AlertRule(Base):
    __tablename__ = "alert_rules"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in RULE_KINDS)})", name="kind"),
        _AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    channels: Mapped[list[str]] = mapped_column(JSONValue)
    #: ``{"url": ..., "format": "json" | "slack"}`` when the rule posts to a webhook.
    webhook: Mapped[dict[str, Any] | None] = mapped_column(JSONValue, nullable=True)
    #: Signs each webhook body (HMAC-SHA256); shown to the rule's creator once.
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertSubscription(Base):
    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("rule_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Alert(Base):
    """A rule that fired, once per trigger (``key``)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_id", "key"), _AUTOINCREMENT)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    trial_number: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxItem(Base):
    """One alert as one recipient sees it (in the inbox and as a pop-up), read or unread."""

    __tablename__ = "alert_inbox"
    __table_args__ = (
        UniqueConstraint("alert_id", "user_id"),
        Index("ix_alert_inbox_user_id_id", "user_id", "id"),
        _AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertCursor(Base):
    """How far the evaluator has read a run's events, and what it learnt from them.

    ``state`` holds the run's counts and bests so far; ``closed`` is set once a finished run's
    last events and its final status have been evaluated (a finished run stays finished).
    """

    __tablename__ = "alert_cursors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), unique=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertDelivery(Base):
    """One alert sent on one channel to one target (a webhook's address): written with the
    alert, in its transaction, so a restart between the two neither loses nor repeats it."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "channel", "target"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in DELIVERY_STATUSES)})",
                        name="status"),
        Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
        _AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_answer: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
