"""Tracker sync state: runs and trials logged to MLflow or W&B, and the trackers' health.

Revision ID: 0008_tracking
Revises: 0007_attached_studies
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_tracking"
down_revision: str | Sequence[str] | None = "0007_attached_studies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tracking_states",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column("event_cursor", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("container_id", sa.String(length=128), nullable=True),
        sa.Column("best_value", sa.Float(), nullable=True),
        sa.Column("best_trial", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("reconcile", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_since", TIMESTAMP, nullable=True),
        sa.Column("retry_at", TIMESTAMP, nullable=True),
        sa.Column("last_sync_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE",
                                name=op.f("fk_tracking_states_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "tracker", name=op.f("pk_tracking_states")),
    )
    op.create_table(
        "tracking_trials",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column("trial_number", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("logged_through", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE",
                                name=op.f("fk_tracking_trials_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", "tracker", "trial_number",
                                name=op.f("pk_tracking_trials")),
    )


def downgrade() -> None:
    op.drop_table("tracking_trials")
    op.drop_table("tracking_states")
