"""Reading delimited text cheaply: decoding, binary detection, delimiter sniffing, row checks."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

from optunagui.datasets.errors import DatasetError

SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 50
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_NUMBER = re.compile(r"^\s*[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?\s*$")


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def check_text(path: Path, head: bytes) -> str:
    """Return the encoding to read ``path`` with, or raise if the bytes are not text."""
    if head.startswith(b"PAR1"):
        raise DatasetError(
            f"{path}: this is a Parquet file with a {path.suffix} suffix; rename it to .parquet"
        )
    if b"\x00" in head:
        raise DatasetError(
            f"{path}: unparseable: binary content, not delimited text; "
            "valid: UTF-8 CSV/TSV text or a Parquet file (.parquet)"
        )
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if head and control / len(head) > 0.01:
        raise DatasetError(
            f"{path}: unparseable: {control} control bytes in the first {len(head)} bytes, "
            "not delimited text; valid: UTF-8 CSV/TSV text or a Parquet file (.parquet)"
        )
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a multi-byte character cut at the sniff boundary
            return "cp1252" if _decodes(head, "cp1252") else "latin-1"
    return "utf-8-sig"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def sample_lines(path: Path, encoding: str, n: int = SNIFF_LINES) -> list[str]:
    """The first ``n`` non-blank lines (without the trailing newline), fewer when they pass
    ``SNIFF_BYTES`` characters: a very wide file is sniffed from its first lines only."""
    lines: list[str] = []
    total = 0
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.rstrip("\r\n"))
                total += len(line)
                if len(lines) >= n or total >= SNIFF_BYTES:
                    break
    return lines


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter (comma, semicolon, tab) that splits the header into the most
    columns while every sampled row has the same number of fields; comma if none splits."""
    best, best_width = ",", 1
    complete = lines[:-1] if len(lines) > 2 else lines  # the last sampled line may be cut short
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(complete)), delimiter=delimiter))
        except csv.Error:  # e.g. a whole wide line as one field, past the reader's limit
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = all(len(row) == width for row in rows)
        if width > best_width and consistent:
            best, best_width = delimiter, width
    if best_width == 1:  # no consistent split: fall back to the one most frequent in the header
        counts = {d: lines[0].count(d) for d in DELIMITERS} if lines else {}
        if counts and max(counts.values()) > 0:
            best = max(counts, key=lambda d: counts[d])
    return best


def header_row(path: Path, encoding: str, delimiter: str) -> list[str]:
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
        except csv.Error as exc:
            raise _unreadable(path, reader.line_num, delimiter, exc) from exc
    return []


def _unreadable(path: Path, line: int, delimiter: str, exc: csv.Error) -> DatasetError:
    return DatasetError(
        f"{path}: unparseable: line {line} cannot be read as {delimiter_name(delimiter)}-"
        f"separated text ({exc}); valid: fields of at most {csv.field_size_limit():,} "
        "characters, each quote closed"
    )


def check_header(path: Path, names: list[str], delimiter: str) -> None:
    if not names:
        raise DatasetError(f"{path}: the file is empty; valid: a header row, then data rows")
    if len(names) > 1 and all(_NUMBER.match(name) for name in names):
        raise DatasetError(
            f"{path}: no header row: the first line ({delimiter_name(delimiter)}-separated: "
            f"{', '.join(names[:5])}{', ...' if len(names) > 5 else ''}) looks like data; "
            "valid: a first line naming the columns, e.g. sepal_length,sepal_width,species"
        )
    blanks = [i + 1 for i, name in enumerate(names) if not name]
    if blanks and blanks != [1]:  # a blank first name is a written-out index: allowed
        raise DatasetError(
            f"{path}: header has empty column names at positions {blanks}; "
            "valid: every column named"
        )
    duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicates:
        raise DatasetError(
            f"{path}: duplicate column names: {', '.join(duplicates)}; valid: unique names"
        )


def check_row_widths(path: Path, encoding: str, delimiter: str, width: int) -> None:
    """Raise on the first row whose field count differs from the header's."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            _check_widths(path, reader, delimiter, width)
        except csv.Error as exc:
            raise _unreadable(path, reader.line_num, delimiter, exc) from exc


def _check_widths(path: Path, reader: Any, delimiter: str, width: int) -> None:
    seen_header = False
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines are skipped, as pandas does
        if not seen_header:
            seen_header = True
            continue
        if len(row) != width:
            hint = " (a quote is never closed?)" if any("\n" in cell for cell in row) else ""
            raise DatasetError(
                f"{path}: unparseable: ragged rows: line {reader.line_num} has {len(row)} "
                f"fields, the header has {width} ({delimiter_name(delimiter)}-separated)"
                f"{hint}; valid: the same number of fields on every row"
            )
