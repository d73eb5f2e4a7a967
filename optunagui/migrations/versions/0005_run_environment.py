"""The environment each driver start of a run recorded: package versions and the Ray cluster.

Revision ID: 0005_run_environment
Revises: 0004_model_versions
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_run_environment"
down_revision: str | Sequence[str] | None = "0004_model_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.add_column("runs", sa.Column("environment", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("environment")
