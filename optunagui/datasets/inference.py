"""What a dataset's columns are: the task a target implies, a per-column summary with suggested
exclusions, and a JSON-safe preview."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optunagui.datasets.errors import DatasetError

__all__ = [
    "CLASSIFICATION_MAX_CLASSES",
    "PREVIEW_CHARS",
    "PREVIEW_ROWS",
    "ColumnInfo",
    "column_summary",
    "infer_task",
    "json_safe",
    "preview",
    "task_problem",
]

#: An integer target with more distinct values than this is treated as regression.
CLASSIFICATION_MAX_CLASSES = 20
#: ...and with at most that many, as classification when the classes are this small a share of
#: the rows (each class then has ~20 rows on average) or look like label codes.
CLASSIFICATION_MAX_RATIO = 0.05

#: A preview shows at most this many rows, and this many characters of a cell.
PREVIEW_ROWS = 100
PREVIEW_CHARS = 200

TEXT_MIN_UNIQUE = 50
TEXT_UNIQUE_RATIO = 0.5
TEXT_MEAN_LENGTH = 50

_ID_NAME = re.compile(
    r"^(id|uuid|guid|key|index|idx|row|rowid|row_?(id|num|number|index))$"
    r"|(^|[_\s.-])(id|uuid|guid)$"
    r"|[a-z0-9](Id|ID|Uuid|UUID)$"
    r"|^unnamed:\s*\d+$",
)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def _kind(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    return "string"


def infer_task(series: pd.Series) -> str:
    """Say whether a target column asks for classification or regression.

    The rule, applied to the non-missing values:

    * bool, string, object and category targets: classification;
    * numeric targets with at most 2 distinct values: classification;
    * numeric targets whose values are all whole numbers (ints, or floats such as 1.0 that an
      integer column with gaps reads as) with at most ``CLASSIFICATION_MAX_CLASSES`` (20)
      distinct values: classification when the distinct values are at most 5% of the rows or
      are consecutive label codes starting at 0 or 1 (0..k-1, 1..k); otherwise regression;
    * every other numeric target (fractional floats, many distinct integers): regression.

    Raises:
        DatasetError: The column is all missing, or holds dates/times.
    """
    values = series.dropna()
    if values.empty:
        raise DatasetError(f"target column {series.name!r} has no values (all missing)")
    kind = _kind(series)
    if kind == "datetime":
        raise DatasetError(
            f"target column {series.name!r} holds dates/times; a target must be numeric "
            "(regression) or labels (classification)"
        )
    if kind in ("boolean", "string"):
        return "classification"
    n_unique = int(values.nunique())
    if n_unique <= 2:
        return "classification"
    numbers = values.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(numbers)) or not np.all(np.equal(np.floor(numbers), numbers)):
        return "regression"
    if n_unique > CLASSIFICATION_MAX_CLASSES:
        return "regression"
    if n_unique <= CLASSIFICATION_MAX_RATIO * len(values):
        return "classification"
    return "classification" if _is_label_codes(np.unique(numbers)) else "regression"


def _is_label_codes(distinct: np.ndarray) -> bool:
    return bool(distinct[0] in (0.0, 1.0) and distinct[-1] - distinct[0] == len(distinct) - 1)


def task_problem(series: pd.Series, task: str) -> str | None:
    """Why ``task`` cannot be learnt from this target column, or None when it can.

    Classification is refused for a numeric target whose values cannot be classes: fractional
    numbers, or more than ``CLASSIFICATION_MAX_CLASSES`` distinct numbers that are not label
    codes (0..k-1, 1..k). Regression is refused for a target of labels (text or booleans).
    """
    values = series.dropna()
    if values.empty:
        return None
    kind = _kind(series)
    name = series.name
    if task == "regression" and kind in ("boolean", "string"):
        examples = ", ".join(repr(v) for v in values.astype(str).unique()[:3])
        return (f"regression needs a numeric target, but {name!r} holds labels ({examples}); "
                "set task to classification, or choose a numeric target")
    if task != "classification" or kind != "numeric":
        return None
    numbers = values.to_numpy(dtype=np.float64)
    n_unique = int(values.nunique())
    if not np.all(np.isfinite(numbers)) or not np.all(np.equal(np.floor(numbers), numbers)):
        return (f"classification needs classes, but {name!r} holds fractional numbers "
                f"({n_unique} distinct values); set task to regression (or leave it out: the "
                "data says regression)")
    if n_unique > CLASSIFICATION_MAX_CLASSES and not _is_label_codes(np.unique(numbers)):
        return (f"classification would make each of the {n_unique} distinct numbers of "
                f"{name!r} a class (more than {CLASSIFICATION_MAX_CLASSES}, and not label "
                "codes 0..k-1); set task to regression (or leave it out: the data says "
                "regression)")
    return None


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the wizard shows it.

    Attributes:
        name: Column name.
        kind: ``"numeric"``, ``"categorical"``, ``"boolean"``, ``"datetime"`` or ``"text"``.
        dtype: The pandas dtype as text.
        n_missing: Missing values.
        n_unique: Distinct non-missing values.
        suggested_exclude_reason: Why the column is probably not a useful feature, or ``None``.
    """

    name: str
    kind: str
    dtype: str
    n_missing: int
    n_unique: int
    suggested_exclude_reason: str | None = None


def _is_text(values: pd.Series, n_unique: int) -> bool:
    if n_unique >= TEXT_MIN_UNIQUE and n_unique > TEXT_UNIQUE_RATIO * len(values):
        return True
    return bool(values.astype(str).str.len().mean() > TEXT_MEAN_LENGTH)


def _looks_like_row_number(values: pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(values.dtype) or values.empty:
        return False
    numbers = values.to_numpy()
    start = numbers[0]
    return bool(start in (0, 1) and np.array_equal(numbers, np.arange(start, start + len(numbers))))


def _id_like(name: str, values: pd.Series, kind: str, n_unique: int) -> bool:
    if len(values) < 2 or n_unique != len(values) or kind in ("boolean", "datetime"):
        return False
    if kind == "numeric" and not pd.api.types.is_integer_dtype(values.dtype):
        return False  # distinct floats are ordinary measurements
    if _ID_NAME.search(name.strip()) or _ID_NAME.search(name.strip().lower()):
        return True
    if kind == "numeric":
        return _looks_like_row_number(values)
    sample = values.head(100).astype(str)
    return bool(sample.str.fullmatch(_UUID).all())


def _summarise(name: str, series: pd.Series) -> ColumnInfo:
    n_missing = int(series.isna().sum())
    values = series.dropna()
    kind = _kind(series)
    if kind == "string":
        try:
            n_unique = int(values.nunique())
        except TypeError:  # unhashable objects (lists, dicts) in an object column
            n_unique = int(values.astype(str).nunique())
        kind = "text" if not values.empty and _is_text(values, n_unique) else "categorical"
    else:
        n_unique = int(values.nunique())
    reason: str | None = None
    if values.empty:
        reason = "all values missing"
    elif n_unique == 1:
        reason = "constant (one value)"
    elif _id_like(name, values, kind, n_unique):
        reason = "id-like (unique per row)"
    elif kind == "datetime":
        reason = "datetime (not usable as a raw feature)"
    elif kind == "text":
        reason = f"high-cardinality text ({n_unique} distinct values)"
    return ColumnInfo(
        name=name,
        kind=kind,
        dtype=str(series.dtype),
        n_missing=n_missing,
        n_unique=n_unique,
        suggested_exclude_reason=reason,
    )


def column_summary(frame: pd.DataFrame, target: str | None = None) -> list[ColumnInfo]:
    """Summarise each column, in order.

    Args:
        frame: The dataset.
        target: The target column, if known: it gets no exclusion suggestion.

    Returns:
        One ``ColumnInfo`` per column. Suggested exclusions: all missing, constant, id-like
        (unique per row and named like an id, a 0/1-based row number, or UUIDs), datetime,
        and high-cardinality or long free text.
    """
    infos = []
    for position, name in enumerate(frame.columns):
        info = _summarise(str(name), frame.iloc[:, position])
        if target is not None and info.name == target and info.suggested_exclude_reason:
            info = ColumnInfo(info.name, info.kind, info.dtype, info.n_missing, info.n_unique)
        infos.append(info)
    return infos


def json_safe(value: Any) -> Any:
    """Turn one cell into a value ``json.dumps`` accepts: missing and non-finite numbers become
    ``None``, numpy scalars plain Python, timestamps ISO text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _shortened(value: Any) -> Any:
    if isinstance(value, str) and len(value) > PREVIEW_CHARS:
        return value[:PREVIEW_CHARS - 1] + "…"
    return value


def preview(frame: pd.DataFrame, n: int = 10) -> list[dict[str, Any]]:
    """The first ``n`` rows (at most ``PREVIEW_ROWS``) as JSON-safe dicts keyed by column
    name, text longer than ``PREVIEW_CHARS`` shortened."""
    head = frame.head(min(max(n, 0), PREVIEW_ROWS))
    columns = [str(c) for c in head.columns]
    return [
        {column: _shortened(json_safe(value)) for column, value in zip(columns, row, strict=True)}
        for row in head.itertuples(index=False, name=None)
    ]
