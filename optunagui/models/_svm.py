"""Support vector machines: SVC (classification) and SVR (regression), features standardised.

Ranges follow Hsu, Chang and Lin, "A Practical Guide to Support Vector Classification"
(LIBSVM guide: C in 2^-5..2^15, gamma in 2^-15..2^3, both on a log scale) and scikit-learn's
"RBF SVM parameters" example (C and gamma 1e-2..1e10 / 1e-9..1e3 grids), narrowed to the
useful part for standardised features. ``gamma`` exists only for the rbf/poly/sigmoid
kernels, ``degree`` only for poly, ``coef0`` only for poly/sigmoid.

``SVC`` keeps ``probability=False`` (deprecated in scikit-learn 1.9): scores such as ROC AUC
use ``decision_function``. ``SVR`` sits inside a ``TransformedTargetRegressor`` that
standardises the target, so the C and epsilon ranges do not depend on the target's units
(``epsilon`` stays at its default of 0.1 standard deviations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base import (
    ModelDef,
    categorical_param,
    check_task,
    fixed_param,
    float_param,
    freeze_presets,
    int_param,
)

if TYPE_CHECKING:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.svm import SVC

NAME = "svm"
TASKS = frozenset({"classification", "regression"})

#: A cap on libsvm's solver iterations so a pathological trial cannot run for hours.
MAX_ITER = 1_000_000

PRESETS = {
    "default": {
        "C": float_param(1e-3, 1e3, log=True),
        "kernel": categorical_param(["rbf", "linear"]),
        "gamma": float_param(1e-4, 10.0, log=True, when={"kernel": ["rbf"]}),
    },
    "fast": {
        "C": float_param(1e-1, 1e2, log=True),
        "kernel": fixed_param("rbf"),
        "gamma": float_param(1e-3, 1.0, log=True, when={"kernel": ["rbf"]}),
    },
    "wide": {
        "C": float_param(2.0**-5, 2.0**15, log=True),
        "kernel": categorical_param(["rbf", "linear", "poly", "sigmoid"]),
        "gamma": float_param(2.0**-15, 2.0**3, log=True,
                             when={"kernel": ["rbf", "poly", "sigmoid"]}),
        "degree": int_param(2, 5, when={"kernel": ["poly"]}),
        "coef0": float_param(-1.0, 1.0, when={"kernel": ["poly", "sigmoid"]}),
        "shrinking": categorical_param([True, False]),
    },
}


def build(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> SVC | TransformedTargetRegressor:
    """A fresh SVC, or an SVR on the standardised target; ``device``/``n_jobs`` are ignored."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, SVR

    check_task(NAME, TASKS, task)
    kwargs: dict[str, Any] = {"max_iter": MAX_ITER, "cache_size": 500}
    kwargs.update(params)
    if task == "classification":
        kwargs.setdefault("random_state", seed)
        return SVC(**kwargs)
    return TransformedTargetRegressor(regressor=SVR(**kwargs), transformer=StandardScaler())


MODEL = ModelDef(
    name=NAME,
    label="Support vector machine",
    tasks=TASKS,
    presets=freeze_presets(PRESETS),
    needs_scaling=True,
    gpu_capable=False,
    build=build,
)
