"""Tiny data sets for the model tests (standardised, a few hundred rows at most)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class TinyData:
    name: str
    task: str
    X: np.ndarray
    y: np.ndarray


def _subset(X: np.ndarray, y: np.ndarray, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rows = np.random.default_rng(seed).permutation(len(X))[:n]
    return StandardScaler().fit_transform(X[rows]).astype(np.float64), y[rows]


def _load(name: str) -> TinyData:
    if name == "binary":
        X, y = load_breast_cancer(return_X_y=True)
        X, y = _subset(X, y, 150)
        return TinyData(name, "classification", X, y.astype(np.int64))
    if name == "multiclass":
        X, y = load_iris(return_X_y=True)
        X, y = _subset(X, y, 120)
        return TinyData(name, "classification", X, y.astype(np.int64))
    X, y = load_diabetes(return_X_y=True)
    X, y = _subset(X, y, 150)
    return TinyData(name, "regression", X, y.astype(np.float64))


DATASETS = {name: _load(name) for name in ("binary", "multiclass", "regression")}


