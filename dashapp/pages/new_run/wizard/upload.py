"""Uploaded dataset files: size limit, checks, content-addressed storage, a DatasetVersion row.

The browser sends the file as a base64 data URL (``dcc.Upload``). It is written to a temporary
file in the data directory, read with ``load_file`` (which says what is wrong with a bad file;
a last column that cannot be a target does not refuse the file: the person picks the target),
stored under its content hash with ``store_dataset_file`` and recorded as a dataset version.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from optunagui.datasets import SUPPORTED_SUFFIXES, store_dataset_file
from optunagui.formatting import format_time
from optunagui.store import add_dataset_version, get_dataset_version
from optunagui.store.datasets import SHORT_HASH, VersionUsage, list_versions_by_name
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
    "may_use_version",
    "upload_proof",
    "receive_upload",
    "upload_form",
    "usable_versions",
    "version_summary",
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
    proof: str | None = None

    def as_form(self) -> dict[str, Any]:
        form = {"version_id": self.version_id, "name": self.name, "filename": self.filename,
                "n_rows": self.n_rows, "n_columns": self.n_columns}
        return {**form, "proof": self.proof} if self.proof else form


def upload_proof(secret: str, user_id: int, version_id: int) -> str:
    """What shows that this user sent the version's content: the same name and content as an
    earlier upload by someone else is that person's version, which the sender may use too."""
    message = f"dataset-version:{user_id}:{version_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _proven(proof: Any, secret: str | None, user_id: int | None, version_id: int) -> bool:
    if not isinstance(proof, str) or not secret or user_id is None:
        return False
    return hmac.compare_digest(proof, upload_proof(secret, user_id, version_id))


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
    secret: str | None = None,
) -> UploadedFile:
    """Check and store one uploaded file, and record it as a dataset version.

    The same name and content again is the same version; changed content is a new one. With
    ``secret``, the result carries ``upload_proof`` for the version (see ``accessible_version``).

    Raises:
        UploadError: too large, not CSV/Parquet, damaged, or unreadable (the message of
            ``load_file`` says what is wrong with the content).
    """
    from dashapp.pages.new_run.wizard.data import load_for_preview

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
        proof = (upload_proof(secret, user_id, version.id)
                 if secret and user_id is not None else None)
        return UploadedFile(version.id, version.name, Path(str(filename)).name[:255],
                            version.n_rows, version.n_columns, proof)


def upload_form(version: DatasetVersion | VersionUsage) -> dict[str, Any]:
    """The wizard's ``form["upload"]`` for a stored version."""
    return UploadedFile(version.id, version.name, version.original_filename or version.name,
                        version.n_rows, version.n_columns).as_form()


def version_summary(version: DatasetVersion | VersionUsage) -> str:
    """"version <short hash> of <name> (<rows> rows), uploaded <when>"."""
    return (f"version {version.sha256[:SHORT_HASH]} of {version.name} ({version.n_rows} rows), "
            f"uploaded {format_time(version.created_at)}")


def may_use_version(added_by: int | None, used_here: bool, user_id: int | None) -> bool:
    """Who may use a version in an experiment: its uploader, or anyone there once a run of the
    experiment used it."""
    return used_here or (user_id is not None and added_by == user_id)


def accessible_version(
    session: Session, version_id: Any, *, user_id: int | None, experiment_id: int,
    proof: Any = None, secret: str | None = None,
) -> DatasetVersion | None:
    """The dataset version, if this user may use it in this experiment: they uploaded it (it
    is theirs, or ``proof`` is their ``upload_proof`` for it), or a run of this experiment used
    it. None otherwise (an id from the browser proves nothing)."""
    if isinstance(version_id, bool) or not isinstance(version_id, int) or version_id < 1:
        return None
    version = get_dataset_version(session, version_id)
    if version is None:
        return None
    if (may_use_version(version.added_by, False, user_id)
            or _proven(proof, secret, user_id, version_id)):
        return version
    used_here = session.scalar(
        select(Run.id).where(Run.experiment_id == experiment_id,
                             Run.dataset_version_id == version_id).limit(1)
    )
    return version if may_use_version(version.added_by, used_here is not None, user_id) else None


def usable_versions(
    session: Session, name: str, *, user_id: int | None, experiment_id: int,
    proven: Collection[int] = (),
) -> list[VersionUsage]:
    """The versions of a dataset name this user may use in this experiment (the rule of
    ``accessible_version``), newest first, each with the experiment's runs that used it.

    Args:
        proven: versions the user showed an ``upload_proof`` for.
    """
    versions = list_versions_by_name(session, name, experiment_ids=[experiment_id])
    return [v for v in versions
            if v.id in proven or may_use_version(v.added_by, bool(v.runs), user_id)]
