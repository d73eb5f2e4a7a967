"""Numbered model versions of a run: each `train-best` adds the next one (1, 2, 3, ...).

A version records which trial was trained, where its package directory lies and the test
scores it reached; earlier versions stay as they are.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import JSONValue, UTCDateTime, utcnow
from optunagui.store._util import conflict_guard, require
from optunagui.store.errors import Conflict
from optunagui.store.tables import Base, Run

__all__ = [
    "ModelVersion",
    "create_model_version",
    "delete_model_version",
    "get_model_version",
    "list_model_versions",
]

_ATTEMPTS = 5


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("run_id", "version"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    trial_number: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"ModelVersion(run_id={self.run_id!r}, version={self.version!r})"


def _clean_metrics(metrics: dict[str, Any] | None) -> dict[str, float | None] | None:
    if metrics is None:
        return None
    cleaned: dict[str, float | None] = {}
    for name, value in metrics.items():
        number = None if value is None else float(value)
        cleaned[str(name)] = number if number is not None and math.isfinite(number) else None
    return cleaned


def create_model_version(
    session: Session,
    run_id: int,
    *,
    trial_number: int,
    models_dir: str | Path,
    metrics: dict[str, Any] | None = None,
    created_by: int | None = None,
) -> ModelVersion:
    """Add the run's next version, its package directory being ``models_dir/v<version>``.

    Raises:
        NotFound: no such run.
        ValueError: a trial number that is not an integer of 0 or more.
    """
    require(session, Run, run_id, "run")
    if isinstance(trial_number, bool) or not isinstance(trial_number, int) or trial_number < 0:
        raise ValueError(f"trial: expected a trial number (0 or more), got {trial_number!r}")
    cleaned = _clean_metrics(metrics)
    for _ in range(_ATTEMPTS):  # another writer may take the same number between read and insert
        latest = session.scalar(
            select(func.max(ModelVersion.version)).where(ModelVersion.run_id == run_id)
        )
        version = (latest or 0) + 1
        row = ModelVersion(run_id=run_id, version=version, trial_number=trial_number,
                           path=str(Path(models_dir) / f"v{version}"), metrics=cleaned,
                           created_by=created_by)
        try:
            with conflict_guard(session, f"run {run_id} already has version {version}"):
                session.add(row)
                session.flush()
        except Conflict:
            continue
        return row
    raise Conflict(f"run {run_id}: could not number a new model version; try again")


def list_model_versions(session: Session, run_id: int) -> list[ModelVersion]:
    """The run's versions, oldest (version 1) first."""
    query = select(ModelVersion).where(ModelVersion.run_id == run_id)
    return list(session.scalars(query.order_by(ModelVersion.version)))


def get_model_version(session: Session, run_id: int, version: int) -> ModelVersion | None:
    return session.scalar(
        select(ModelVersion).where(ModelVersion.run_id == run_id, ModelVersion.version == version)
    )


def delete_model_version(session: Session, run_id: int, version: int) -> None:
    """Forget one version (its files are the caller's to remove)."""
    row = get_model_version(session, run_id, version)
    if row is not None:
        session.delete(row)
