"""How large a dataset may be, so that no option, file or preview can exhaust the server.

* ``MAX_COLUMNS`` (2,000, the target included): wider files are refused after reading their
  header only. 2,000 columns read, summarised and previewed in about half a second on one
  core; 20,000 took 8 s, and 100,000 overflowed the CSV reader's field limit.
* ``MAX_SYNTHETIC_BYTES`` (1 GiB): a synthetic dataset's matrix, rows × (features + 1) × 8
  bytes. Generating it needs two to three times that at its peak, and the wizard keeps the
  last four datasets it read in memory.
"""

from __future__ import annotations

from optunagui.datasets.errors import DatasetError

__all__ = ["BYTES_PER_VALUE", "MAX_COLUMNS", "MAX_SYNTHETIC_BYTES", "check_columns", "size_text"]

MAX_COLUMNS = 2_000
MAX_SYNTHETIC_BYTES = 2**30
BYTES_PER_VALUE = 8


def check_columns(where: object, n_columns: int) -> None:
    """Refuse a dataset of more than ``MAX_COLUMNS`` columns; ``where`` names it."""
    if n_columns > MAX_COLUMNS:
        raise DatasetError(
            f"{where}: {n_columns:,} columns is too many; valid: at most {MAX_COLUMNS:,} "
            "columns, the target included (drop or aggregate columns before uploading)"
        )


def size_text(n_bytes: float) -> str:
    """Bytes in binary units, as a person reads them (``1.5 GiB``)."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            return f"{n_bytes:,.0f} {unit}" if unit == "bytes" else f"{n_bytes:,.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:,.2f} GiB"
