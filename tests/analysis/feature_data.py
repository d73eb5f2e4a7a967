"""A dataset with planted structure for the feature-selection tests: two informative numeric
columns and an informative category, two pure-noise columns, an exact copy and a near copy of
an informative column, and the category again under other names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

INFORMATIVE = ("x1", "x2", "color")
NOISE = ("noise1", "noise2")
SPACE = {"n_estimators": {"type": "int", "low": 10, "high": 20},
         "max_depth": {"type": "int", "low": 3, "high": 6}}
PARAMS = {"n_estimators": 20, "max_depth": 6}


def planted_selection_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    frame = pd.DataFrame({
        "x1": x1, "x2": x2, "noise1": rng.normal(size=n), "noise2": rng.uniform(size=n),
        "color": color, "x1_copy": x1, "x2_near": x2 + 0.02 * rng.normal(size=n),
        "tint": pd.Series(color).map({"red": "R", "green": "G", "blue": "B"}),
    })
    signal = x1 + x2 + 1.5 * (color == "red") + 0.2 * rng.normal(size=n)
    frame["y"] = np.where(signal > 0.5, "yes", "no")
    return frame


def write_planted(directory: Path, name: str = "selection.csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    planted_selection_frame().to_csv(path, index=False)
    return path


def selection_spec(path: str | Path, **changes: Any) -> dict[str, Any]:
    spec = {"name": "selection", "dataset": {"path": str(path), "target": "y"},
            "task": "classification", "model": "random_forest", "space": dict(SPACE),
            "metrics": [{"name": "accuracy", "direction": "maximize"}],
            "split": {"method": "stratified_kfold", "folds": 3}, "budget": {"n_trials": 3}}
    spec.update(changes)
    return spec


def selection_trials() -> list[dict[str, Any]]:
    """Trial 1 is the best complete one, then trial 0; trial 2 failed."""
    return [
        {"number": 0, "state": "complete", "values": [0.80],
         "params": {"n_estimators": 10, "max_depth": 4}},
        {"number": 1, "state": "complete", "values": [0.90], "params": dict(PARAMS)},
        {"number": 2, "state": "failed", "values": None, "params": dict(PARAMS)},
    ]
