"""Attached studies: Optuna studies run by users' own code, followed into the product.

Revision ID: 0007_attached_studies
Revises: 0006_code_versions
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_attached_studies"
down_revision: str | Sequence[str] | None = "0006_code_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "attached_studies",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("storage_url", sa.Text(), nullable=False),
        sa.Column("storage_shown", sa.Text(), nullable=False),
        sa.Column("study_name", sa.String(length=512), nullable=False),
        sa.Column("external_study_id", sa.Integer(), nullable=False),
        sa.Column("trial_cursor", sa.BigInteger(), nullable=False),
        sa.Column("open_trials", JSON, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("mirrored_trials", sa.Integer(), nullable=False),
        sa.Column("last_poll_at", TIMESTAMP, nullable=True),
        sa.Column("last_change_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_since", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE",
                                name=op.f("fk_attached_studies_run_id_runs")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_attached_studies")),
    )


def downgrade() -> None:
    op.drop_table("attached_studies")
