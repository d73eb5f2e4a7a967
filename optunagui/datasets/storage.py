"""Content-addressed copies of dataset files in the data directory: a version is its hash."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from optunagui.datasets.errors import DatasetError
from optunagui.datasets.files import file_format, file_sha256

__all__ = ["DATASETS_SUBDIR", "store_dataset_file", "stored_dataset_path"]

DATASETS_SUBDIR = "datasets"


def stored_dataset_path(data_dir: str | Path, sha256: str, suffix: str) -> Path:
    """Where the file with this hash and suffix lives: ``<data_dir>/datasets/<sha256><suffix>``."""
    return Path(data_dir) / DATASETS_SUBDIR / f"{sha256}{suffix.lower()}"


def store_dataset_file(data_dir: str | Path, src_path: str | Path) -> tuple[str, Path]:
    """Copy a dataset file into the data directory under its content hash.

    The same bytes always land at the same path, so storing a file twice keeps one copy; the
    copy is written to a temporary file and renamed, so a reader never sees half a file.

    Args:
        data_dir: The product's data directory (``Settings.data_dir``).
        src_path: A ``.csv``/``.tsv``/``.txt``/``.parquet``/``.pq`` file.

    Returns:
        ``(sha256, stored_path)``.

    Raises:
        DatasetError: The source is missing or has an unsupported suffix.
    """
    src = Path(src_path).expanduser()
    if not src.is_file():
        raise DatasetError(f"{src}: file not found")
    file_format(src)
    sha256 = file_sha256(src)
    target = stored_dataset_path(data_dir, sha256, src.suffix)
    if target.is_file() and target.stat().st_size == src.stat().st_size:
        return sha256, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as source:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return sha256, target
