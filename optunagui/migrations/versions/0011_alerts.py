"""Alerts: rules on an experiment or one run, their subscribers, the alerts fired (at most once
per rule and trigger), each recipient's inbox and the evaluator's cursor per run.

Revision ID: 0011_alerts
Revises: 0010_sessions
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_alerts"
down_revision: str | Sequence[str] | None = "0010_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
KINDS = ("metric_threshold", "best_improves", "run_status", "no_improvement", "failed_share",
         "stalled")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("channels", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})",
                           name=op.f("ck_alert_rules_kind")),
        _fk("alert_rules", "experiment_id", "experiments", "CASCADE"),
        _fk("alert_rules", "run_id", "runs", "CASCADE"),
        _fk("alert_rules", "created_by", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_alert_rules_experiment_id"), "alert_rules", ["experiment_id"])
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk("alert_subscriptions", "rule_id", "alert_rules", "CASCADE"),
        _fk("alert_subscriptions", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
        sa.UniqueConstraint("rule_id", "user_id",
                            name=op.f("uq_alert_subscriptions_rule_id_user_id")),
    )
    op.create_index(op.f("ix_alert_subscriptions_user_id"), "alert_subscriptions", ["user_id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("trial_number", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _fk("alerts", "rule_id", "alert_rules", "CASCADE"),
        _fk("alerts", "experiment_id", "experiments", "CASCADE"),
        _fk("alerts", "run_id", "runs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("rule_id", "key", name=op.f("uq_alerts_rule_id_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_alerts_experiment_id"), "alerts", ["experiment_id"])
    op.create_table(
        "alert_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _fk("alert_inbox", "alert_id", "alerts", "CASCADE"),
        _fk("alert_inbox", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_inbox")),
        sa.UniqueConstraint("alert_id", "user_id", name=op.f("uq_alert_inbox_alert_id_user_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_alert_inbox_user_id_id", "alert_inbox", ["user_id", "id"])
    op.create_table(
        "alert_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _fk("alert_cursors", "run_id", "runs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_cursors")),
        sa.UniqueConstraint("run_id", name=op.f("uq_alert_cursors_run_id")),
    )


def downgrade() -> None:
    op.drop_table("alert_cursors")
    op.drop_index("ix_alert_inbox_user_id_id", table_name="alert_inbox")
    op.drop_table("alert_inbox")
    op.drop_index(op.f("ix_alerts_experiment_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_alert_subscriptions_user_id"), table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
    op.drop_index(op.f("ix_alert_rules_experiment_id"), table_name="alert_rules")
    op.drop_table("alert_rules")
