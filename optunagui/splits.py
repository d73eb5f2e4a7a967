"""Splitting data: the hold-out test set (split off once per run) and the validation folds."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import (
    GroupKFold,
    GroupShuffleSplit,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    train_test_split,
)

from optunagui.spec import SplitSpec

__all__ = ["Fold", "split_folds", "split_test"]

Fold = tuple[np.ndarray, np.ndarray]


def _can_stratify(y: np.ndarray, n_parts: int) -> bool:
    _, counts = np.unique(y, return_counts=True)
    return len(counts) > 1 and counts.min() >= n_parts


def split_test(
    y: np.ndarray, split: SplitSpec, task: str, groups: np.ndarray | None = None
) -> Fold:
    """Indices of (search data, hold-out test data); the test part is never seen by the search.

    Time-series data keeps its order (the test part is the latest rows); grouped data keeps
    every group on one side; classification is stratified when every class can be.
    """
    n = len(y)
    indices = np.arange(n)
    if split.method == "time_series":
        n_test = max(1, int(round(n * split.test_size)))
        return indices[: n - n_test], indices[n - n_test :]
    if split.method == "group_kfold":
        if groups is None:
            raise ValueError("split.group: group_kfold needs a group column")
        splitter = GroupShuffleSplit(n_splits=1, test_size=split.test_size, random_state=split.seed)
        train, test = next(splitter.split(indices, y, groups))
        return train, test
    n_test_parts = max(2, int(round(1 / split.test_size)))
    stratify = y if task == "classification" and _can_stratify(y, n_test_parts) else None
    train, test = train_test_split(
        indices, test_size=split.test_size, random_state=split.seed, stratify=stratify
    )
    return np.sort(train), np.sort(test)


def split_folds(
    y: np.ndarray, split: SplitSpec, task: str, groups: np.ndarray | None = None
) -> list[Fold]:
    """Validation folds over the search data: (train indices, validation indices) each."""
    indices = np.arange(len(y))
    method = split.method
    if method == "holdout":
        stratify = y if task == "classification" and _can_stratify(y, 2) else None
        train, valid = train_test_split(
            indices, test_size=split.test_size, random_state=split.seed, stratify=stratify
        )
        return [(np.sort(train), np.sort(valid))]
    if method == "stratified_kfold":
        if task != "classification":
            raise ValueError("split.method: stratified_kfold is for classification")
        splitter = StratifiedKFold(n_splits=split.folds, shuffle=split.shuffle,
                                   random_state=split.seed if split.shuffle else None)
        return list(splitter.split(indices, y))
    if method == "kfold":
        splitter = KFold(n_splits=split.folds, shuffle=split.shuffle,
                         random_state=split.seed if split.shuffle else None)
        return list(splitter.split(indices))
    if method == "time_series":
        return list(TimeSeriesSplit(n_splits=split.folds).split(indices))
    if groups is None:
        raise ValueError("split.group: group_kfold needs a group column")
    return list(GroupKFold(n_splits=split.folds).split(indices, y, groups))
