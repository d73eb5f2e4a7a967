"""Alert keys name their run: a rule on an experiment fires once per trigger of each run, not
once for the first run that met it (keys were "trial:3", now "run:7:trial:3").

Revision ID: 0015_alert_keys_per_run
Revises: 0014_user_email
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_alert_keys_per_run"
down_revision: str | Sequence[str] | None = "0014_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALERTS = sa.table("alerts", sa.column("run_id", sa.Integer), sa.column("key", sa.String))


def upgrade() -> None:
    op.execute(_ALERTS.update()
               .where(_ALERTS.c.run_id.is_not(None), _ALERTS.c.key.not_like("run:%"))
               .values(key=sa.literal("run:") + sa.cast(_ALERTS.c.run_id, sa.String)
                       + sa.literal(":") + _ALERTS.c.key))


def downgrade() -> None:
    prefix = sa.literal("run:") + sa.cast(_ALERTS.c.run_id, sa.String) + sa.literal(":")
    op.execute(_ALERTS.update()
               .where(_ALERTS.c.run_id.is_not(None))
               .values(key=sa.func.substr(_ALERTS.c.key, sa.func.length(prefix) + 1)))
