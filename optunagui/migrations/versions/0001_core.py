"""Core tables: users, experiments, memberships, runs, run trials, trial events, datasets.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_core"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)
AUTOINCREMENT = {"sqlite_autoincrement": True}


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _check(table: str, name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(repr(v) for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    # experiments.baseline_run_id and runs.experiment_id point at each other: SQLite accepts
    # the forward reference inline, PostgreSQL gets the constraint once "runs" exists.
    sqlite = op.get_context().dialect.name == "sqlite"

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _pk("users"),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        **AUTOINCREMENT,
    )
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_columns", sa.Integer(), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _fk("dataset_versions", "added_by", "users", "SET NULL"),
        _pk("dataset_versions"),
        sa.UniqueConstraint("name", "sha256", name=op.f("uq_dataset_versions_name_sha256")),
        **AUTOINCREMENT,
    )
    op.create_index(op.f("ix_dataset_versions_sha256"), "dataset_versions", ["sha256"])

    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("baseline_run_id", sa.Integer(), nullable=True),
        _fk("experiments", "created_by", "users"),
        *([_fk("experiments", "baseline_run_id", "runs", "SET NULL")] if sqlite else []),
        _pk("experiments"),
        **AUTOINCREMENT,
    )
    op.create_index(op.f("ix_experiments_created_by"), "experiments", ["created_by"])

    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _check("memberships", "role", "role", ("owner", "editor", "viewer")),
        _fk("memberships", "experiment_id", "experiments", "CASCADE"),
        _fk("memberships", "user_id", "users", "CASCADE"),
        _pk("memberships"),
        sa.UniqueConstraint(
            "experiment_id", "user_id", name=op.f("uq_memberships_experiment_id_user_id")
        ),
    )
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"])

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("experiment_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("study_name", sa.String(length=200), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("dataset_version_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("control", JSON, nullable=True),
        sa.Column("control_ack_id", sa.String(length=64), nullable=True),
        sa.Column("current_space", JSON, nullable=True),
        sa.Column("ray_job_id", sa.String(length=200), nullable=True),
        sa.Column("driver_pid", sa.Integer(), nullable=True),
        sa.Column("n_trials_budget", sa.Integer(), nullable=True),
        sa.Column("best_value", sa.Float(), nullable=True),
        sa.Column("best_trial_number", sa.Integer(), nullable=True),
        _check(
            "runs",
            "status",
            "status",
            ("queued", "running", "paused", "completed", "stopped", "failed"),
        ),
        _fk("runs", "created_by", "users", "SET NULL"),
        _fk("runs", "dataset_version_id", "dataset_versions"),
        _fk("runs", "experiment_id", "experiments", "CASCADE"),
        _pk("runs"),
        sa.UniqueConstraint("study_name", name=op.f("uq_runs_study_name")),
        **AUTOINCREMENT,
    )
    op.create_index(op.f("ix_runs_experiment_id"), "runs", ["experiment_id"])
    op.create_index(op.f("ix_runs_group_key"), "runs", ["group_key"])
    if not sqlite:
        op.create_foreign_key(
            op.f("fk_experiments_baseline_run_id_runs"),
            "experiments",
            "runs",
            ["baseline_run_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "run_trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("tune_trial_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("values", JSON, nullable=True),
        sa.Column("params", JSON, nullable=True),
        sa.Column("user_attrs", JSON, nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("gpu_ids", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _check("run_trials", "state", "state", ("running", "complete", "pruned", "failed")),
        _fk("run_trials", "run_id", "runs", "CASCADE"),
        _pk("run_trials"),
        # Also the index that reads one run's trials in order.
        sa.UniqueConstraint("run_id", "number", name=op.f("uq_run_trials_run_id_number")),
    )

    op.create_table(
        "trial_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("trial_number", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("metrics", JSON, nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _check(
            "trial_events",
            "kind",
            "kind",
            ("started", "result", "completed", "pruned", "failed", "control"),
        ),
        _fk("trial_events", "run_id", "runs", "CASCADE"),
        _pk("trial_events"),
        **AUTOINCREMENT,
    )
    op.create_index("ix_trial_events_run_id_id", "trial_events", ["run_id", "id"])


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_experiments_baseline_run_id_runs"), "experiments", type_="foreignkey"
        )
    op.drop_table("trial_events")
    op.drop_table("run_trials")
    op.drop_table("runs")
    op.drop_table("memberships")
    op.drop_table("experiments")
    op.drop_table("dataset_versions")
    op.drop_table("users")
