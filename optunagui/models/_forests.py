"""scikit-learn tree ensembles: random forest, extra trees and histogram gradient boosting.

Forest ranges follow scikit-learn's "Ensembles" user guide (parameters section,
https://scikit-learn.org/stable/modules/ensemble.html#parameters) and Probst, Wright and
Boulesteix, "Hyperparameters and tuning strategies for random forest" (WIREs DMKD, 2019):
mtry (``max_features``) as a fraction of the features, node size (``min_samples_leaf``)
1..20, sample fraction 0.5..1 (``max_samples``, only with ``bootstrap=True``).
Histogram gradient boosting ranges follow scikit-learn's HistGradientBoosting docs
(max_leaf_nodes 31 and min_samples_leaf 20 defaults at the middle of the ranges).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._base import (
    ModelDef,
    categorical_param,
    check_task,
    chunk_targets,
    float_param,
    freeze_presets,
    int_param,
)

TASKS = frozenset({"classification", "regression"})


def _forest_presets(bootstrap_default: bool) -> dict[str, dict[str, dict]]:
    default = {
        "n_estimators": int_param(50, 500, step=10),
        "max_depth": int_param(2, 32, log=True),
        "min_samples_split": int_param(2, 20),
        "min_samples_leaf": int_param(1, 20, log=True),
        "max_features": float_param(0.1, 1.0),
    }
    return {
        "default": default,
        "fast": {
            "n_estimators": int_param(20, 150, step=10),
            "max_depth": int_param(2, 16, log=True),
            "min_samples_leaf": int_param(1, 10, log=True),
            "max_features": float_param(0.3, 1.0),
        },
        "wide": {
            **default,
            "n_estimators": int_param(50, 1000, step=10),
            "max_depth": int_param(2, 64, log=True),
            "min_impurity_decrease": float_param(1e-9, 0.1, log=True),
            "bootstrap": categorical_param([bootstrap_default, not bootstrap_default]),
            "max_samples": float_param(0.5, 1.0, when={"bootstrap": [True]}),
        },
    }


def _estimator_class(name: str) -> type:
    from sklearn import ensemble

    return getattr(ensemble, name)


def _build_forest(name: str, classes: tuple[str, str], bootstrap: bool) -> Any:
    def build(
        params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
    ) -> Any:
        check_task(name, TASKS, task)
        kwargs: dict[str, Any] = {"random_state": seed, "n_jobs": n_jobs}
        kwargs.update(params)
        if not kwargs.get("bootstrap", bootstrap):
            kwargs.pop("max_samples", None)  # only meaningful when bootstrapping
        cls = _estimator_class(classes[0] if task == "classification" else classes[1])
        return cls(**kwargs)

    build.__doc__ = f"A fresh {name} estimator (``device`` is ignored)."
    return build


RANDOM_FOREST = ModelDef(
    name="random_forest",
    label="Random forest",
    tasks=TASKS,
    presets=freeze_presets(_forest_presets(bootstrap_default=True)),
    needs_scaling=False,
    gpu_capable=False,
    build=_build_forest(
        "random_forest", ("RandomForestClassifier", "RandomForestRegressor"), bootstrap=True
    ),
)

EXTRA_TREES = ModelDef(
    name="extra_trees",
    label="Extra trees",
    tasks=TASKS,
    presets=freeze_presets(_forest_presets(bootstrap_default=False)),
    needs_scaling=False,
    gpu_capable=False,
    build=_build_forest(
        "extra_trees", ("ExtraTreesClassifier", "ExtraTreesRegressor"), bootstrap=False
    ),
)

_HGB_PRESETS = {
    "default": {
        "max_iter": int_param(50, 500, step=10),
        "learning_rate": float_param(0.01, 0.3, log=True),
        "max_leaf_nodes": int_param(8, 128, log=True),
        "min_samples_leaf": int_param(5, 100, log=True),
        "l2_regularization": float_param(1e-8, 10.0, log=True),
        "max_features": float_param(0.5, 1.0),
    },
    "fast": {
        "max_iter": int_param(20, 150, step=10),
        "learning_rate": float_param(0.05, 0.3, log=True),
        "max_leaf_nodes": int_param(8, 64, log=True),
        "min_samples_leaf": int_param(5, 50, log=True),
    },
    "wide": {
        "max_iter": int_param(50, 1000, step=10),
        "learning_rate": float_param(0.005, 0.5, log=True),
        "max_leaf_nodes": int_param(4, 256, log=True),
        "max_depth": int_param(2, 16),
        "min_samples_leaf": int_param(2, 200, log=True),
        "l2_regularization": float_param(1e-8, 10.0, log=True),
        "max_features": float_param(0.3, 1.0),
        "max_bins": int_param(32, 255),
    },
}


def build_hist_gradient_boosting(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> Any:
    """A fresh HistGradientBoosting estimator.

    Internal early stopping is off unless asked for (``early_stopping``): the search decides
    ``max_iter`` and prunes on the reported steps. ``n_jobs`` and ``device`` are ignored
    (scikit-learn uses OpenMP threads for this estimator).
    """
    check_task("hist_gradient_boosting", TASKS, task)
    kwargs: dict[str, Any] = {"random_state": seed, "early_stopping": False}
    kwargs.update(params)
    if task == "classification":
        return _estimator_class("HistGradientBoostingClassifier")(**kwargs)
    return _estimator_class("HistGradientBoostingRegressor")(**kwargs)


def fit_steps_hist_gradient_boosting(estimator: Any, X: Any, y: Any) -> Iterator[int]:
    """Train in ~10 chunks of ``max_iter`` with ``warm_start``; equals a single ``fit``.

    The estimator's ``max_iter`` and ``warm_start`` are restored after every chunk. With
    ``early_stopping`` on, it ends at the chunk where the estimator stopped by itself.
    """
    params = estimator.get_params()
    total, warm_start = int(params["max_iter"]), params["warm_start"]
    for step, target in enumerate(chunk_targets(total), start=1):
        estimator.set_params(max_iter=target, warm_start=step > 1)
        try:
            estimator.fit(X, y)
        finally:
            estimator.set_params(max_iter=total, warm_start=warm_start)
        yield step
        if estimator.n_iter_ < target:
            return


HIST_GRADIENT_BOOSTING = ModelDef(
    name="hist_gradient_boosting",
    label="Histogram gradient boosting",
    tasks=TASKS,
    presets=freeze_presets(_HGB_PRESETS),
    needs_scaling=False,
    gpu_capable=False,
    build=build_hist_gradient_boosting,
    fit_steps=fit_steps_hist_gradient_boosting,
)
