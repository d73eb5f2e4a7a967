"""LightGBM gradient-boosted trees (always trained on the CPU).

Ranges follow LightGBM's "Parameters Tuning" guide
(https://lightgbm.readthedocs.io/en/stable/Parameters-Tuning.html) and the ranges Optuna's
LightGBM examples and ``optuna_integration.lightgbm.LightGBMTuner`` search
(num_leaves 2..256, feature/bagging fraction 0.4..1, lambda_l1/l2 1e-8..10 on a log scale,
min_child_samples 5..100). ``drop_rate`` exists only with ``boosting_type="dart"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._base import (
    ModelDef,
    categorical_param,
    check_task,
    chunk_targets,
    float_param,
    freeze_presets,
    int_param,
)

if TYPE_CHECKING:
    from lightgbm import LGBMModel

NAME = "lightgbm"
TASKS = frozenset({"classification", "regression"})

_COMMON = {
    "learning_rate": float_param(0.01, 0.3, log=True),
    "num_leaves": int_param(8, 256, log=True),
    "max_depth": int_param(3, 12),
    "min_child_samples": int_param(5, 100, log=True),
    "subsample": float_param(0.5, 1.0),
    "colsample_bytree": float_param(0.5, 1.0),
    "reg_alpha": float_param(1e-8, 10.0, log=True),
    "reg_lambda": float_param(1e-8, 10.0, log=True),
}

PRESETS = {
    "default": {"n_estimators": int_param(50, 500, step=10), **_COMMON},
    "fast": {
        "n_estimators": int_param(20, 150, step=10),
        "learning_rate": float_param(0.05, 0.3, log=True),
        "num_leaves": int_param(8, 64, log=True),
        "min_child_samples": int_param(5, 50, log=True),
        "colsample_bytree": float_param(0.5, 1.0),
    },
    "wide": {
        "n_estimators": int_param(50, 1000, step=10),
        **_COMMON,
        "learning_rate": float_param(0.005, 0.5, log=True),
        "num_leaves": int_param(4, 512, log=True),
        "max_depth": int_param(2, 16),
        "min_child_samples": int_param(2, 200, log=True),
        "subsample": float_param(0.4, 1.0),
        "colsample_bytree": float_param(0.4, 1.0),
        "min_split_gain": float_param(1e-8, 1.0, log=True),
        "boosting_type": categorical_param(["gbdt", "dart"]),
        "drop_rate": float_param(0.05, 0.5, when={"boosting_type": ["dart"]}),
    },
}


def build(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> LGBMModel:
    """A fresh LightGBM estimator; ``device`` is ignored (LightGBM always runs on the CPU).

    ``subsample`` below 1 turns bagging on (``subsample_freq=1``) unless given explicitly,
    since LightGBM ignores the bagging fraction otherwise.
    """
    from lightgbm import LGBMClassifier, LGBMRegressor

    check_task(NAME, TASKS, task)
    kwargs: dict[str, Any] = {
        "n_estimators": 100,
        "random_state": seed,
        "n_jobs": n_jobs,
        "verbosity": -1,
    }
    kwargs.update(params)
    if float(kwargs.get("subsample", 1.0)) < 1.0:
        kwargs.setdefault("subsample_freq", 1)
    cls = LGBMClassifier if task == "classification" else LGBMRegressor
    return cls(**kwargs)


def fit_steps(estimator: LGBMModel, X: Any, y: Any) -> Iterator[int]:
    """Train ``estimator`` in ~10 chunks of its ``n_estimators``, continuing from the booster.

    Each chunk is a ``fit(..., init_model=booster)`` call. Without bagging or dart the result
    equals a single ``fit``; with them the random draws restart per chunk.
    """
    total = int(estimator.get_params()["n_estimators"])
    booster = None
    done = 0
    for step, target in enumerate(chunk_targets(total), start=1):
        estimator.set_params(n_estimators=target - done)
        try:
            estimator.fit(X, y, init_model=booster)
        finally:
            estimator.set_params(n_estimators=total)
        booster = estimator.booster_
        done = target
        yield step


MODEL = ModelDef(
    name=NAME,
    label="LightGBM",
    tasks=TASKS,
    presets=freeze_presets(PRESETS),
    needs_scaling=False,
    gpu_capable=False,
    build=build,
    fit_steps=fit_steps,
)
