"""The product's own tables (Optuna keeps its RDB tables in the same database, under its names).

Our table names never collide with Optuna's ("studies", "trials", "trial_params", "trial_values",
"trial_intermediate_values", "trial_user_attributes", "trial_system_attributes",
"trial_heartbeats", "study_*", "version_info", "alembic_version").
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
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from optunagui.status import RUN_STATUSES, RunStatus
from optunagui.store._types import JSONValue, UTCDateTime, utcnow

__all__ = [
    "ROLES",
    "TRIAL_STATES",
    "EVENT_KINDS",
    "CONTROL_KINDS",
    "Base",
    "DatasetVersion",
    "Experiment",
    "Membership",
    "Run",
    "Trial",
    "TrialEvent",
    "User",
]

ROLES = ("owner", "editor", "viewer")  # the schema's names, as migration 0001 created them
TRIAL_STATES = ("running", "complete", "pruned", "failed")
EVENT_KINDS = ("started", "result", "completed", "pruned", "failed", "control")
CONTROL_KINDS = ("pause", "resume", "stop", "ranges")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite reuses the largest rowid after a delete unless AUTOINCREMENT is asked for; cursors
# over events and study names derived from ids must never see an id twice.
_AUTOINCREMENT = {"sqlite_autoincrement": True}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (_AUTOINCREMENT,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by an admin's reset: the (temporary) password must be replaced at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where alerts with the email channel reach this user; set under Account.
    email: Mapped[str | None] = mapped_column(String(254), default=None)

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


class Experiment(Base):
    __tablename__ = "experiments"
    __table_args__ = (_AUTOINCREMENT,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    baseline_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL", use_alter=True)
    )

    def __repr__(self) -> str:
        return f"Experiment(id={self.id!r}, name={self.name!r})"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("experiment_id", "user_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        _AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.queued.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    study_name: Mapped[str] = mapped_column(String(200), unique=True)
    group_key: Mapped[str | None] = mapped_column(String(64), index=True)
    dataset_version_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_versions.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    control: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    control_ack_id: Mapped[str | None] = mapped_column(String(64))
    current_space: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    ray_job_id: Mapped[str | None] = mapped_column(String(200))
    driver_pid: Mapped[int | None] = mapped_column(Integer)
    n_trials_budget: Mapped[int | None] = mapped_column(Integer)
    best_value: Mapped[float | None] = mapped_column(Float)
    best_trial_number: Mapped[int | None] = mapped_column(Integer)
    # One entry per driver start: {at, packages, cluster}; a resumed run adds another.
    environment: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONValue)

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, name={self.name!r}, status={self.status!r})"


class Trial(Base):
    """One Optuna trial of a run, as the dashboard reads it (Optuna's own rows stay in "trials")."""

    __tablename__ = "run_trials"
    __table_args__ = (
        UniqueConstraint("run_id", "number"),
        Index("ix_run_trials_run_id_state", "run_id", "state"),
        CheckConstraint(_in("state", TRIAL_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    tune_trial_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="running")
    values: Mapped[list[float] | None] = mapped_column(JSONValue)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    user_attrs: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    last_step: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(200))
    gpu_ids: Mapped[list[Any] | None] = mapped_column(JSONValue)
    error: Mapped[str | None] = mapped_column(Text)


class TrialEvent(Base):
    """An append-only event; `id` only grows, so readers poll with `id > last seen`."""

    __tablename__ = "trial_events"
    __table_args__ = (
        Index("ix_trial_events_run_id_id", "run_id", "id"),
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        _AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    trial_number: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[int | None] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    worker: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DatasetVersion(Base):
    """A dataset file as stored in the data directory; the version is its content hash."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("name", "sha256"), _AUTOINCREMENT)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    stored_path: Mapped[str] = mapped_column(Text)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_columns: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
