"""The API drives runs: token scopes (read or read-write) and answers kept per idempotency key.

Revision ID: 0009_api_writes
Revises: 0008_tracking
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_api_writes"
down_revision: str | Sequence[str] | None = "0008_tracking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Tokens made before scopes existed keep doing what they could (attaching studies).
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=16), nullable=False,
                                   server_default="read-write"))
    op.create_table(
        "idempotent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_idempotent_requests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("user_id", "key", "path",
                            name=op.f("uq_idempotent_requests_user_id_key_path")),
    )


def downgrade() -> None:
    op.drop_table("idempotent_requests")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scope")
