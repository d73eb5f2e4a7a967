"""Loading user datasets from CSV/TSV and Parquet files, with checks that say what is wrong."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pandas as pd

from optunagui.datasets import _text
from optunagui.datasets.errors import DatasetError
from optunagui.datasets.inference import infer_task
from optunagui.datasets.limits import check_columns
from optunagui.datasets.loaded import LoadedDataset

__all__ = [
    "DEFAULT_TARGET",
    "SUPPORTED_SUFFIXES",
    "file_sha256",
    "file_format",
    "load_file",
    "read_header",
]

#: Suffix (lower case) -> format.
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: The column used as target when none is given and the file has one by this name.
DEFAULT_TARGET = "target"

_CHUNK = 1024 * 1024
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$|^[+-]?\d+$")


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_format(path: str | Path) -> str:
    """``"csv"`` or ``"parquet"`` from the suffix; raises for anything else."""
    path = Path(path)
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DatasetError(
            f"{path}: unsupported file type {path.suffix or '(no suffix)'!r}; "
            f"valid: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return fmt


def _existing(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise DatasetError(f"{path}: file not found")
    if not path.is_file():
        raise DatasetError(f"{path}: not a file; valid: a CSV/TSV or Parquet file")
    return path


def _csv_layout(path: Path) -> tuple[str, str, list[str]]:
    """Encoding, delimiter and header of a text file, checked."""
    with path.open("rb") as handle:
        head = handle.read(_text.SNIFF_BYTES)
    if not head.strip():
        raise DatasetError(f"{path}: the file is empty; valid: a header row, then data rows")
    encoding = _text.check_text(path, head)
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        delimiter = _text.sniff_delimiter(_text.sample_lines(path, encoding))
    names = _text.header_row(path, encoding, delimiter)
    check_columns(path, len(names))
    _text.check_header(path, names, delimiter)
    return encoding, delimiter, names


def _parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for junk
        raise DatasetError(f"{path}: unparseable: not a readable Parquet file ({exc})") from exc
    names = [n for n in names if not n.startswith("__index_level_")]
    if not names:
        raise DatasetError(f"{path}: the Parquet file has no columns")
    check_columns(path, len(names))
    _text.check_header(path, names, ",")
    return names


def read_header(path: str | Path) -> list[str]:
    """The column names, reading only the header (CSV) or the schema (Parquet).

    Raises:
        DatasetError: Missing file, unsupported suffix, empty file, binary junk, no header,
            duplicate names.
    """
    path = _existing(path)
    if file_format(path) == "parquet":
        return _parquet_names(path)
    return _csv_layout(path)[2]


def _read_csv(path: Path) -> pd.DataFrame:
    encoding, delimiter, names = _csv_layout(path)
    try:
        try:
            frame = pd.read_csv(path, sep=delimiter, encoding=encoding, skipinitialspace=True)
        except UnicodeDecodeError:
            encoding = "latin-1"
            frame = pd.read_csv(path, sep=delimiter, encoding=encoding, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise DatasetError(
            f"{path}: the file is empty; valid: a header row, then data rows"
        ) from exc
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        _text.check_row_widths(path, encoding, delimiter, len(names))  # names the line
        raise DatasetError(
            f"{path}: unparseable as {_text.delimiter_name(delimiter)}-separated text: {exc}"
        ) from exc
    # read_csv pads short rows with missing values, which always reach the last column:
    # only then is the slower row-by-row check needed
    if len(frame.columns) and frame.iloc[:, -1].isna().any():
        _text.check_row_widths(path, encoding, delimiter, len(names))
    frame.columns = [str(c).strip() for c in frame.columns]
    return _refine_types(frame, delimiter)


def _refine_types(frame: pd.DataFrame, delimiter: str) -> pd.DataFrame:
    """Parse ISO dates, and decimal commas in semicolon files, that read_csv left as text."""
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_string_dtype(series.dtype):
            continue
        values = series.dropna().astype(str).str.strip()
        if values.empty:
            continue
        sample = values.head(200)
        if sample.str.fullmatch(_ISO_DATE).all() and values.str.fullmatch(_ISO_DATE).all():
            has_zone = bool(values.str.contains(_ZONE).any())
            try:
                frame[column] = pd.to_datetime(series, format="ISO8601", utc=has_zone)
            except (ValueError, TypeError):
                pass  # mixed or impossible dates stay text
        elif delimiter == ";" and values.str.fullmatch(_DECIMAL_COMMA).all():
            frame[column] = pd.to_numeric(series.str.replace(",", ".", regex=False))
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    _parquet_names(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DatasetError(f"{path}: unparseable: not a readable Parquet file ({exc})") from exc
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _check_target(path: Path, frame: pd.DataFrame, target: str) -> str:
    columns = [str(c) for c in frame.columns]
    if target not in columns:
        raise DatasetError(
            f"{path}: target column {target!r} is not in the file; columns: {', '.join(columns)}"
        )
    if len(columns) < 2:
        raise DatasetError(
            f"{path}: only the target column {target!r}; valid: at least one feature column too"
        )
    series = frame[target]
    if series.isna().all():
        raise DatasetError(
            f"{path}: target column {target!r} is all missing; choose a column with values"
        )
    try:
        task = infer_task(series)
    except DatasetError as exc:
        raise DatasetError(f"{path}: {exc}") from exc
    if task == "classification" and series.nunique() < 2:
        raise DatasetError(
            f"{path}: target column {target!r} has one class only "
            f"({series.dropna().iloc[0]!r}); classification needs at least 2 classes"
        )
    return task


def load_file(path: str | Path, target: str | None = None) -> LoadedDataset:
    """Load a CSV/TSV (comma, semicolon or tab, sniffed) or Parquet file, chosen by suffix.

    Args:
        path: ``.csv``, ``.tsv``, ``.txt``, ``.parquet`` or ``.pq``.
        target: The target column. Default: a column named ``target`` if there is one,
            else the last column.

    Returns:
        The dataset; ``task`` inferred from the target (``infer_task``), ``sha256`` of the
        file's bytes.

    Raises:
        DatasetError: The file cannot be used; the message names the file, the problem and
            what would be valid.
    """
    path = _existing(path)
    fmt = file_format(path)
    frame = _read_parquet(path) if fmt == "parquet" else _read_csv(path)
    if frame.empty and len(frame.columns):
        raise DatasetError(
            f"{path}: header only, no data rows (columns: {', '.join(map(str, frame.columns))})"
        )
    if target is None:
        target = DEFAULT_TARGET if DEFAULT_TARGET in frame.columns else str(frame.columns[-1])
    task = _check_target(path, frame, target)
    return LoadedDataset(
        name=path.stem,
        frame=frame,
        target=target,
        task=task,
        sha256=file_sha256(path),
        source="file",
        path=str(path),
    )
