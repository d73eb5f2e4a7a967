"""Which earlier runs ran on the draft's data, or on data like it.

The rule, closest first (``record.MATCHES``):

- "same dataset": the same dataset identity. A file's identity is its content hash (the
  version a spec or a run records, else the file's sha256 when it is still there); a
  built-in's is its name with its options, defaults filled in.
- "same columns": the same target column and the same set of feature column names.
- "similar data": the same task and close meta-features: rows within a factor of
  ``ROW_FACTOR``, feature columns within a factor of ``COLUMN_FACTOR``, the share of numeric
  features within ``NUMERIC_SHARE_GAP``, and for classification the same number of classes
  with the smallest class's share within ``BALANCE_GAP``.

A dataset that can no longer be read (a file since removed) only matches by identity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.datasets import BUILTIN_DATASETS, DatasetError, file_sha256, load_builtin, load_file

if TYPE_CHECKING:
    from optunagui.datasets import LoadedDataset

__all__ = ["BALANCE_GAP", "COLUMN_FACTOR", "NUMERIC_SHARE_GAP", "ROW_FACTOR", "DataProfile",
           "dataset_identity", "load_profile", "match_of", "profile_of"]

ROW_FACTOR = 2.0
COLUMN_FACTOR = 1.5
NUMERIC_SHARE_GAP = 0.25
BALANCE_GAP = 0.1


@dataclass(frozen=True)
class DataProfile:
    """The meta-features the similarity rule compares."""

    task: str
    target: str
    columns: frozenset[str]
    n_rows: int
    numeric_share: float
    n_classes: int | None = None
    smallest_class_share: float | None = None


def dataset_identity(dataset: Mapping[str, Any], version: str | None = None) -> str | None:
    """The identity of a spec's ``dataset`` entry (see the module doc); ``version``: the hash of
    the dataset version a run was launched on, when the spec does not hold it."""
    recorded = dataset.get("version") or version
    if recorded:
        return f"sha256:{recorded}"
    builtin = dataset.get("builtin")
    if builtin:
        info = BUILTIN_DATASETS.get(str(builtin))
        options = {**(info.defaults if info else {}), **(dataset.get("options") or {})}
        return f"builtin:{builtin}:{json.dumps(options, sort_keys=True, default=str)}"
    path = dataset.get("path")
    if path and Path(str(path)).is_file():
        return f"sha256:{_file_hash(str(path), Path(str(path)).stat().st_mtime_ns)}"
    return None


@lru_cache(maxsize=256)
def _file_hash(path: str, modified_ns: int) -> str:
    return file_sha256(path)


def profile_of(dataset: LoadedDataset) -> DataProfile:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    frame = dataset.frame
    features = dataset.feature_columns
    numeric = sum(1 for c in features if is_numeric_dtype(frame[c]) and not is_bool_dtype(frame[c]))
    profile = DataProfile(task=dataset.task, target=dataset.target, columns=frozenset(features),
                          n_rows=len(frame), numeric_share=numeric / max(len(features), 1))
    if dataset.task != "classification":
        return profile
    counts = frame[dataset.target].value_counts(dropna=True)
    total = int(counts.sum())
    return DataProfile(**{**profile.__dict__, "n_classes": len(counts),
                          "smallest_class_share": float(counts.min()) / total if total else None})


def load_profile(dataset: Mapping[str, Any], identity: str | None) -> DataProfile | None:
    """The profile of a spec's dataset, read once per identity; None when it cannot be read."""
    key = identity or json.dumps(dict(dataset), sort_keys=True, default=str)
    return _cached_profile(key, json.dumps(dict(dataset), sort_keys=True, default=str))


@lru_cache(maxsize=64)
def _cached_profile(identity: str, dataset_json: str) -> DataProfile | None:
    dataset = json.loads(dataset_json)
    try:
        if dataset.get("builtin"):
            return profile_of(load_builtin(dataset["builtin"], **(dataset.get("options") or {})))
        if dataset.get("path") and Path(dataset["path"]).is_file():
            return profile_of(load_file(dataset["path"], target=dataset.get("target")))
    except (DatasetError, KeyError, TypeError, ValueError, OSError):
        return None
    return None


def _within(a: float, b: float, factor: float) -> bool:
    low, high = sorted((a, b))
    return low > 0 and high / low <= factor


def match_of(draft: DataProfile | None, past: DataProfile | None) -> str | None:
    """"same columns", "similar data" or None (identity is compared before this)."""
    if draft is None or past is None or draft.task != past.task:
        return None
    if draft.target == past.target and draft.columns == past.columns:
        return "same columns"
    close = (_within(draft.n_rows, past.n_rows, ROW_FACTOR)
             and _within(len(draft.columns), len(past.columns), COLUMN_FACTOR)
             and abs(draft.numeric_share - past.numeric_share) <= NUMERIC_SHARE_GAP)
    if close and draft.task == "classification":
        close = (draft.n_classes == past.n_classes
                 and draft.smallest_class_share is not None
                 and past.smallest_class_share is not None
                 and abs(draft.smallest_class_share - past.smallest_class_share) <= BALANCE_GAP)
    return "similar data" if close else None
