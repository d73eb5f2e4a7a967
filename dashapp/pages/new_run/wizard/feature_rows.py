"""The wizard's features table as data: one row per column of the data (not the target), with
what the column is, how many values it misses, whether it is used and its transform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["feature_rows", "merge_feature_rows"]


def feature_rows(columns: Sequence[Any], target: str) -> list[dict[str, Any]]:
    """Rows of the features table from ``column_summary``: suggested exclusions start off."""
    rows = []
    for info in columns:
        if info.name == target:
            continue
        rows.append(
            {
                "column": info.name,
                "kind": info.kind,
                "use": info.suggested_exclude_reason is None,
                "transform": "",
                "reason": info.suggested_exclude_reason,
                "missing": info.n_missing,
            }
        )
    return rows


def merge_feature_rows(
    fresh: list[dict[str, Any]],
    previous: Sequence[Mapping[str, Any]] | None,
    *,
    unlisted_use: bool | None = None,
) -> list[dict[str, Any]]:
    """Fresh rows, keeping the person's choices for columns that were already there.

    Args:
        unlisted_use: for columns not in ``previous``: None keeps the suggestion; True uses
            them (a cloned spec lists only its excluded and transformed columns).
    """
    before = {row.get("column"): row for row in previous or [] if isinstance(row, Mapping)}
    merged = []
    for row in fresh:
        old = before.get(row["column"])
        if old is not None:
            row = {**row, "use": bool(old.get("use")), "transform": old.get("transform") or ""}
        elif unlisted_use is not None:
            row = {**row, "use": unlisted_use}
        merged.append(row)
    return merged
