"""Dataset versions: a dataset file as stored, identified by (name, content hash).

Uploading changed data under a name adds a version; the same content again is the same
version. ``list_versions_by_name`` and ``list_experiment_versions`` say which runs used which.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from optunagui.store._util import require
from optunagui.store.tables import DatasetVersion, Run, User

__all__ = [
    "RunUse",
    "VersionUsage",
    "add_dataset_version",
    "get_dataset_version",
    "get_dataset_version_by_hash",
    "list_dataset_versions",
    "list_experiment_versions",
    "list_versions_by_name",
]

SHORT_HASH = 12


@dataclass(frozen=True)
class RunUse:
    """A run that read a dataset version."""

    run_id: int
    name: str
    experiment_id: int
    status: str
    created_at: datetime | None


@dataclass(frozen=True)
class VersionUsage:
    """One version of a dataset name, who added it, and the runs that used it (newest first)."""

    id: int
    name: str
    sha256: str
    original_filename: str | None
    n_rows: int
    n_columns: int
    size_bytes: int
    added_by: int | None
    added_by_name: str | None
    created_at: datetime | None
    runs: tuple[RunUse, ...]

    @property
    def short_hash(self) -> str:
        return self.sha256[:SHORT_HASH]

    def runs_in(self, experiment_id: int) -> tuple[RunUse, ...]:
        return tuple(run for run in self.runs if run.experiment_id == experiment_id)


def get_dataset_version_by_hash(
    session: Session, name: str, sha256: str
) -> DatasetVersion | None:
    return session.scalar(
        select(DatasetVersion).where(DatasetVersion.name == name, DatasetVersion.sha256 == sha256)
    )


def add_dataset_version(
    session: Session,
    *,
    name: str,
    sha256: str,
    stored_path: str,
    n_rows: int,
    n_columns: int,
    columns: Sequence[Mapping[str, Any]],
    size_bytes: int,
    original_filename: str | None = None,
    added_by: int | None = None,
) -> DatasetVersion:
    """Record a stored dataset file; the same (name, sha256) again returns the existing row.

    Args:
        columns: one ``{"name": ..., "dtype": ...}`` per column.

    Raises:
        ValueError: empty name or a hash that is not 64 hex characters.
        NotFound: unknown user in `added_by`.
    """
    name = (name or "").strip()
    if not name:
        raise ValueError("a dataset version needs a name")
    sha256 = (sha256 or "").lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"sha256 must be 64 hex characters, got {sha256!r}")
    existing = get_dataset_version_by_hash(session, name, sha256)
    if existing is not None:
        return existing
    if added_by is not None:
        require(session, User, added_by, "user")
    version = DatasetVersion(
        name=name,
        sha256=sha256,
        stored_path=str(stored_path),
        original_filename=original_filename,
        n_rows=n_rows,
        n_columns=n_columns,
        columns=[dict(column) for column in columns],
        size_bytes=size_bytes,
        added_by=added_by,
    )
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        # Another writer added the same version between our read and our insert.
        existing = get_dataset_version_by_hash(session, name, sha256)
        if existing is None:
            raise
        return existing
    return version


def get_dataset_version(session: Session, version_id: int) -> DatasetVersion | None:
    return session.get(DatasetVersion, version_id)


def list_dataset_versions(session: Session, name: str | None = None) -> list[DatasetVersion]:
    """Dataset versions newest first, optionally only those of one dataset name."""
    query = select(DatasetVersion)
    if name is not None:
        query = query.where(DatasetVersion.name == name)
    return list(session.scalars(query.order_by(DatasetVersion.created_at.desc(),
                                               DatasetVersion.id.desc())))


def list_versions_by_name(
    session: Session, name: str, *, experiment_ids: Collection[int] | None = None
) -> list[VersionUsage]:
    """The versions of one dataset name, newest first, each with its runs (two queries).

    Args:
        experiment_ids: count only runs of these experiments (None: every run).
    """
    return _usages(session, DatasetVersion.name == name, experiment_ids)


def list_experiment_versions(session: Session, experiment_id: int) -> dict[str, list[VersionUsage]]:
    """For each dataset name that a run of the experiment used: every version of that name,
    newest first, with the runs of this experiment that used it (three queries).

    Versions no run of this experiment used are listed too (with no runs): callers decide
    who may see them.
    """
    names = select(DatasetVersion.name).join(Run, Run.dataset_version_id == DatasetVersion.id)
    names = names.where(Run.experiment_id == experiment_id).distinct()
    used = sorted(session.scalars(names))
    if not used:
        return {}
    grouped: dict[str, list[VersionUsage]] = {name: [] for name in used}
    for usage in _usages(session, DatasetVersion.name.in_(used), [experiment_id]):
        grouped[usage.name].append(usage)
    return grouped


def _usages(session: Session, condition: Any,
            experiment_ids: Collection[int] | None) -> list[VersionUsage]:
    rows = session.execute(
        select(DatasetVersion, User.username)
        .outerjoin(User, User.id == DatasetVersion.added_by)
        .where(condition)
        .order_by(DatasetVersion.created_at.desc(), DatasetVersion.id.desc())
    ).all()
    if not rows:
        return []
    runs_query = select(Run.id, Run.name, Run.experiment_id, Run.status, Run.created_at,
                        Run.dataset_version_id).where(
        Run.dataset_version_id.in_([version.id for version, _ in rows]))
    if experiment_ids is not None:
        runs_query = runs_query.where(Run.experiment_id.in_(list(experiment_ids)))
    by_version: dict[int, list[RunUse]] = {}
    for run in session.execute(runs_query.order_by(Run.id.desc())):
        by_version.setdefault(run.dataset_version_id, []).append(
            RunUse(run.id, run.name, run.experiment_id, run.status, run.created_at))
    return [
        VersionUsage(
            id=version.id, name=version.name, sha256=version.sha256,
            original_filename=version.original_filename, n_rows=version.n_rows,
            n_columns=version.n_columns, size_bytes=version.size_bytes,
            added_by=version.added_by, added_by_name=username, created_at=version.created_at,
            runs=tuple(by_version.get(version.id, ())),
        )
        for version, username in rows
    ]
