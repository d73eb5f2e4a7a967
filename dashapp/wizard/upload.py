"""Uploaded dataset files: size limit, checks, content-addressed storage, a DatasetVersion row.

The browser sends the file as a base64 data URL (``dcc.Upload``). It is written to a temporary
file in the data directory, read with ``load_file`` (which says what is wrong with a bad file;
a last column that cannot be a target does not refuse the file: the person picks the target),
stored under its content hash with ``store_dataset_file`` and recorded as a dataset version.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from optunagui.datasets import SUPPORTED_SUFFIXES, store_dataset_file
from optunagui.store import add_dataset_version, get_dataset_version
from optunagui.store.tables import Run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.store import Database, DatasetVersion

__all__ = [
    "DEFAULT_MAX_UPLOAD_MB",
    "UploadError",
    "UploadedFile",
    "accessible_version",
    "max_upload_bytes",
    "receive_upload",
]

DEFAULT_MAX_UPLOAD_MB = 200
MAX_UPLOAD_ENV = "OPTUNAGUI_MAX_UPLOAD_MB"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(ValueError):
    """An upload that cannot be used; the message says why and what would work."""


@dataclass(frozen=True)
class UploadedFile:
    """A stored upload, as the wizard keeps it (``as_form()`` goes into the browser)."""

    version_id: int
    name: str
    filename: str
    n_rows: int
    n_columns: int

    def as_form(self) -> dict[str, Any]:
        return {"version_id": self.version_id, "name": self.name, "filename": self.filename,
                "n_rows": self.n_rows, "n_columns": self.n_columns}


def max_upload_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The upload size limit: ``OPTUNAGUI_MAX_UPLOAD_MB`` megabytes (default 200).

    Raises:
        ValueError: the variable is set but is not a positive number.
    """
    env = os.environ if environ is None else environ
    text = (env.get(MAX_UPLOAD_ENV) or "").strip()
    if not text:
        return DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    try:
        megabytes = float(text)
    except ValueError:
        raise ValueError(f"{MAX_UPLOAD_ENV} must be a number of megabytes, got {text!r}") from None
    if not megabytes > 0:
        raise ValueError(f"{MAX_UPLOAD_ENV} must be positive, got {text!r}")
    return int(megabytes * 1024 * 1024)


def _decode(contents: str, limit: int) -> bytes:
    header, sep, payload = contents.partition(",")
    if not sep or not header.startswith("data:") or ";base64" not in header:
        raise UploadError("the upload did not arrive as a file; try again")
    if len(payload) * 3 // 4 > limit + 3:
        raise UploadError(f"the file is larger than the limit of {_mb(limit)}")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("the upload is damaged (not base64); try again") from None
    if len(data) > limit:
        raise UploadError(f"the file is larger than the limit of {_mb(limit)}")
    if not data:
        raise UploadError("the file is empty")
    return data


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):g} MB"


def _clean_filename(filename: Any) -> tuple[str, str]:
    """(display name, suffix) of a browser-given file name; no path parts survive."""
    if not isinstance(filename, str) or not filename.strip():
        raise UploadError("the file has no name")
    base = Path(filename.replace("\\", "/")).name.strip()
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{base!r} is not a CSV or Parquet file; valid suffixes: "
                          + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    stem = _SAFE_NAME.sub("_", Path(base).stem).strip("._") or "dataset"
    return stem[:100], suffix


def receive_upload(
    database: Database,
    data_dir: Path,
    contents: Any,
    filename: Any,
    *,
    user_id: int | None,
    limit: int,
) -> UploadedFile:
    """Check and store one uploaded file, and record it as a dataset version.

    Raises:
        UploadError: too large, not CSV/Parquet, damaged, or unreadable (the message of
            ``load_file`` says what is wrong with the content).
    """
    from dashapp.wizard.data import load_for_preview

    if not isinstance(contents, str):
        raise UploadError("choose a CSV or Parquet file")
    stem, suffix = _clean_filename(filename)
    data = _decode(contents, limit)
    incoming = Path(data_dir) / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=incoming)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        loaded, problem = load_for_preview({"path": tmp_name}, None, cached=False)
        if loaded is None:
            shown = Path(str(filename)).name
            raise UploadError(str(problem).replace(tmp_name, shown))
        sha256, stored = store_dataset_file(data_dir, tmp_name)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    columns = [{"name": str(c), "dtype": str(t)} for c, t in loaded.frame.dtypes.items()]
    with database.session() as session:
        version = add_dataset_version(
            session, name=stem, sha256=sha256, stored_path=str(stored),
            n_rows=len(loaded.frame), n_columns=len(columns), columns=columns,
            size_bytes=len(data), original_filename=Path(str(filename)).name[:255],
            added_by=user_id,
        )
        return UploadedFile(version.id, version.name, Path(str(filename)).name[:255],
                            version.n_rows, version.n_columns)


def accessible_version(
    session: Session, version_id: Any, *, user_id: int | None, experiment_id: int
) -> DatasetVersion | None:
    """The dataset version, if this user may use it in this experiment: they uploaded it, or a
    run of this experiment used it. None otherwise (an id from the browser proves nothing)."""
    if isinstance(version_id, bool) or not isinstance(version_id, int) or version_id < 1:
        return None
    version = get_dataset_version(session, version_id)
    if version is None:
        return None
    if user_id is not None and version.added_by == user_id:
        return version
    used_here = session.scalar(
        select(Run.id).where(Run.experiment_id == experiment_id,
                             Run.dataset_version_id == version_id).limit(1)
    )
    return version if used_here is not None else None
