"""An index on a run's trials by state: the live page's counts (complete, pruned, failed,
running) read the index instead of sorting the run's trials on every poll.

Revision ID: 0012_trial_state_index
Revises: 0011_alerts
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_trial_state_index"
down_revision: str | Sequence[str] | None = "0011_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_run_trials_run_id_state", "run_trials", ["run_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_run_trials_run_id_state", table_name="run_trials")
