"""XGBoost gradient-boosted trees (``device="cuda"`` trains on the GPU).

Ranges follow XGBoost's "Notes on Parameter Tuning"
(https://xgboost.readthedocs.io/en/stable/tutorials/param_tuning.html) and Optuna's
``examples/xgboost_simple.py`` (lambda/alpha 1e-8..1 log, max_depth 3..9, eta 1e-8..1 log
narrowed to the useful 0.01..0.3, subsample/colsample 0.5..1). ``rate_drop`` and
``skip_drop`` exist only with ``booster="dart"``; ``max_leaves`` only with
``grow_policy="lossguide"``.
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
    from xgboost import XGBModel

NAME = "xgboost"
TASKS = frozenset({"classification", "regression"})

_COMMON = {
    "learning_rate": float_param(0.01, 0.3, log=True),
    "max_depth": int_param(3, 10),
    "min_child_weight": float_param(0.1, 20.0, log=True),
    "subsample": float_param(0.5, 1.0),
    "colsample_bytree": float_param(0.5, 1.0),
    "gamma": float_param(1e-8, 5.0, log=True),
    "reg_alpha": float_param(1e-8, 10.0, log=True),
    "reg_lambda": float_param(1e-8, 10.0, log=True),
}

PRESETS = {
    "default": {"n_estimators": int_param(50, 500, step=10), **_COMMON},
    "fast": {
        "n_estimators": int_param(20, 150, step=10),
        "learning_rate": float_param(0.05, 0.3, log=True),
        "max_depth": int_param(3, 8),
        "subsample": float_param(0.6, 1.0),
        "colsample_bytree": float_param(0.6, 1.0),
    },
    "wide": {
        "n_estimators": int_param(50, 1000, step=10),
        **_COMMON,
        "learning_rate": float_param(0.005, 0.5, log=True),
        "max_depth": int_param(2, 14),
        "subsample": float_param(0.4, 1.0),
        "colsample_bytree": float_param(0.4, 1.0),
        "grow_policy": categorical_param(["depthwise", "lossguide"]),
        "max_leaves": int_param(4, 256, log=True, when={"grow_policy": ["lossguide"]}),
        "booster": categorical_param(["gbtree", "dart"]),
        "rate_drop": float_param(1e-8, 0.5, log=True, when={"booster": ["dart"]}),
        "skip_drop": float_param(1e-8, 0.5, log=True, when={"booster": ["dart"]}),
    },
}


def build(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> XGBModel:
    """A fresh XGBoost estimator (``tree_method="hist"``, on ``device``)."""
    from xgboost import XGBClassifier, XGBRegressor

    check_task(NAME, TASKS, task)
    kwargs: dict[str, Any] = {
        "n_estimators": 100,
        "tree_method": "hist",
        "device": device,
        "random_state": seed,
        "n_jobs": n_jobs,
        "verbosity": 0,
    }
    kwargs.update(params)
    cls = XGBClassifier if task == "classification" else XGBRegressor
    return cls(**kwargs)


def fit_steps(estimator: XGBModel, X: Any, y: Any) -> Iterator[int]:
    """Train ``estimator`` in ~10 chunks of its ``n_estimators``, continuing from the booster.

    Each chunk is a ``fit(..., xgb_model=booster)`` call. Without row/column subsampling or
    dart the result equals a single ``fit``; with them the random draws restart per chunk.
    """
    total = int(estimator.get_params()["n_estimators"])
    booster = None
    done = 0
    for step, target in enumerate(chunk_targets(total), start=1):
        estimator.set_params(n_estimators=target - done)
        try:
            estimator.fit(X, y, xgb_model=booster, verbose=False)
        finally:
            estimator.set_params(n_estimators=total)
        booster = estimator.get_booster()
        done = target
        yield step


MODEL = ModelDef(
    name=NAME,
    label="XGBoost",
    tasks=TASKS,
    presets=freeze_presets(PRESETS),
    needs_scaling=False,
    gpu_capable=True,
    build=build,
    fit_steps=fit_steps,
)
