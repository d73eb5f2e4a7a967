"""Code versions: the packed working directories of runs of users' own code.

Revision ID: 0006_code_versions
Revises: 0005_run_environment
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_code_versions"
down_revision: str | Sequence[str] | None = "0005_run_environment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "code_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("files", JSON, nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_versions")),
        sa.UniqueConstraint("sha256", name=op.f("uq_code_versions_sha256")),
    )


def downgrade() -> None:
    op.drop_table("code_versions")
