"""Dataset versions: a dataset file as stored, identified by (name, content hash)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from optunagui.store._util import require
from optunagui.store.tables import DatasetVersion, User

__all__ = [
    "add_dataset_version",
    "get_dataset_version",
    "get_dataset_version_by_hash",
    "list_dataset_versions",
]


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
