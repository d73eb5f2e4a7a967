"""Linear models: logistic regression, ridge and elastic net (features standardised).

Ranges follow scikit-learn's linear-model user guide
(https://scikit-learn.org/stable/modules/linear_model.html) and the usual practice of
searching the regularisation strength on a log scale over several decades (e.g.
``LogisticRegressionCV``'s default grid ``Cs=10`` spans 1e-4..1e4; ``RidgeCV`` alphas
likewise). ``l1_ratio`` exists only with the ``saga`` solver (the one solver that supports
the elastic-net penalty).

``elastic_net`` on classification is ``LogisticRegression(solver="saga")`` with the
elastic-net penalty; its preset is written with ElasticNet's names, and ``alpha`` maps to
``C = 1 / alpha`` (a ``C`` given explicitly wins).
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
)

if TYPE_CHECKING:
    from sklearn.linear_model import ElasticNet, LogisticRegression, Ridge, RidgeClassifier

BOTH = frozenset({"classification", "regression"})

_LOGISTIC_PRESETS = {
    "default": {
        "C": float_param(1e-4, 1e3, log=True),
        "class_weight": categorical_param([None, "balanced"]),
    },
    "fast": {"C": float_param(1e-2, 1e2, log=True)},
    "wide": {
        "C": float_param(1e-6, 1e5, log=True),
        "class_weight": categorical_param([None, "balanced"]),
        "fit_intercept": categorical_param([True, False]),
        "solver": categorical_param(["lbfgs", "saga"]),
        "l1_ratio": float_param(0.0, 1.0, when={"solver": ["saga"]}),
    },
}


def build_logistic_regression(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> LogisticRegression:
    """A fresh LogisticRegression (classification only; ``device``/``n_jobs`` ignored).

    A positive ``l1_ratio`` without a solver selects ``saga``.
    """
    from sklearn.linear_model import LogisticRegression

    check_task("logistic_regression", frozenset({"classification"}), task)
    kwargs: dict[str, Any] = {"max_iter": 1000, "random_state": seed}
    kwargs.update(params)
    if float(kwargs.get("l1_ratio") or 0.0) > 0.0:
        kwargs.setdefault("solver", "saga")
    return LogisticRegression(**kwargs)


_RIDGE_PRESETS = {
    "default": {"alpha": float_param(1e-4, 1e3, log=True)},
    "fast": {"alpha": float_param(1e-2, 1e2, log=True)},
    "wide": {
        "alpha": float_param(1e-6, 1e5, log=True),
        "fit_intercept": categorical_param([True, False]),
        "solver": categorical_param(["auto", "svd", "cholesky", "lsqr", "sparse_cg"]),
    },
}


def build_ridge(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> Ridge | RidgeClassifier:
    """A fresh Ridge (regression) or RidgeClassifier (classification; no predict_proba)."""
    from sklearn.linear_model import Ridge, RidgeClassifier

    check_task("ridge", BOTH, task)
    kwargs: dict[str, Any] = {"random_state": seed}
    kwargs.update(params)
    return RidgeClassifier(**kwargs) if task == "classification" else Ridge(**kwargs)


_ELASTIC_NET_PRESETS = {
    "default": {
        "alpha": float_param(1e-4, 10.0, log=True),
        "l1_ratio": float_param(0.0, 1.0),
    },
    "fast": {
        "alpha": float_param(1e-3, 1.0, log=True),
        "l1_ratio": float_param(0.1, 0.9),
        "max_iter": fixed_param(1000),
    },
    "wide": {
        "alpha": float_param(1e-6, 100.0, log=True),
        "l1_ratio": float_param(0.0, 1.0),
        "fit_intercept": categorical_param([True, False]),
        "max_iter": fixed_param(5000),
    },
}


def build_elastic_net(
    params: dict[str, Any], task: str, device: str = "cpu", n_jobs: int = 1, seed: int = 0
) -> ElasticNet | LogisticRegression:
    """A fresh ElasticNet (regression) or elastic-net LogisticRegression (classification)."""
    from sklearn.linear_model import ElasticNet, LogisticRegression

    check_task("elastic_net", BOTH, task)
    params = dict(params)
    if task == "regression":
        kwargs: dict[str, Any] = {"max_iter": 2000, "random_state": seed, "selection": "cyclic"}
        kwargs.update(params)
        return ElasticNet(**kwargs)
    alpha = float(params.pop("alpha", 1.0))
    if alpha <= 0:
        raise ValueError(f"elastic_net alpha must be positive, got {alpha}")
    kwargs = {"C": 1.0 / alpha, "l1_ratio": 0.5, "solver": "saga", "max_iter": 2000,
              "random_state": seed}
    kwargs.update(params)
    return LogisticRegression(**kwargs)


LOGISTIC_REGRESSION = ModelDef(
    name="logistic_regression",
    label="Logistic regression",
    tasks=frozenset({"classification"}),
    presets=freeze_presets(_LOGISTIC_PRESETS),
    needs_scaling=True,
    gpu_capable=False,
    build=build_logistic_regression,
)

RIDGE = ModelDef(
    name="ridge",
    label="Ridge",
    tasks=BOTH,
    presets=freeze_presets(_RIDGE_PRESETS),
    needs_scaling=True,
    gpu_capable=False,
    build=build_ridge,
)

ELASTIC_NET = ModelDef(
    name="elastic_net",
    label="Elastic net",
    tasks=BOTH,
    presets=freeze_presets(_ELASTIC_NET_PRESETS),
    needs_scaling=True,
    gpu_capable=False,
    build=build_elastic_net,
)
