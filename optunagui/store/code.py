"""Code versions: a code run's working directory, packed as a zip and stored by its sha256.

The same folder packed twice gives the same sha256 and one row; a run's spec names its
version in ``objective.code``, so a replay runs exactly the code the original ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import JSONValue, UTCDateTime, utcnow
from optunagui.store.tables import Base

if TYPE_CHECKING:
    from optunagui.code.archive import CodeArchive

__all__ = ["CodeVersion", "get_code_version", "put_code_version", "read_code_file"]


class CodeVersion(Base):
    __tablename__ = "code_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    files: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    entry: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def get_code_version(session: Session, sha256: str) -> CodeVersion | None:
    return session.scalars(select(CodeVersion).where(CodeVersion.sha256 == sha256)).first()


def put_code_version(session: Session, archive: CodeArchive, *,
                     entry: str | None = None) -> CodeVersion:
    """The stored version of this archive: the existing row when the same code is stored."""
    existing = get_code_version(session, archive.sha256)
    if existing is not None:
        return existing
    version = CodeVersion(sha256=archive.sha256, size_bytes=archive.size_bytes,
                          files=archive.files, archive=archive.data, entry=entry)
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:  # the same code stored by another launch in the meantime
        stored = get_code_version(session, archive.sha256)
        if stored is None:
            raise
        return stored
    return version


def read_code_file(session: Session, sha256: str, path: str) -> str:
    """One file of a stored code version, as text (see ``read_archive_file``).

    Raises:
        LookupError: the version is not stored, or has no such file.
    """
    from optunagui.code.archive import read_archive_file

    version = get_code_version(session, sha256)
    if version is None:
        raise LookupError(f"code version {sha256[:12]} is not stored")
    return read_archive_file(bytes(version.archive), path)
