"""Per-fold evidence of what each input column is worth to a trial's model.

For one trial, the pipeline is refitted on the fitting part of each validation fold (the run's
own folds; more seeds of its split when it has fewer than ``MIN_EVALUATIONS``) and scored on
the fold's held-out part: permutation importance (``sklearn.inspection.permutation_importance``
over the raw input columns, in the run's metric, so a column's one-hot features are shuffled
together) and mean |SHAP| (feature impact's explainers, transformed features added back to
their input column). Rows, folds and repeats are capped so a few trials finish in seconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from optunagui.analysis.feature_impact import (
    TREE_FAMILIES,
    explain_model,
    per_source_column,
    source_columns,
)
from optunagui.analysis.reevaluate import complete_params
from optunagui.metrics import METRICS, MetricDef, Predictions
from optunagui.objective import PreparedData, fit_best, load_run_dataset, prepare_data
from optunagui.spec import ExperimentSpec

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.datasets import LoadedDataset

__all__ = [
    "MAX_COLUMNS",
    "MIN_EVALUATIONS",
    "FeatureSelectionError",
    "FoldData",
    "TrialEvidence",
    "direction_of",
    "load_folds",
    "read_spec",
    "trial_evidence",
]

MAX_COLUMNS = 100
MAX_FOLDS = 5
MIN_EVALUATIONS = 3
MAX_VALID_ROWS = 500
SHAP_ROWS = 100
AGNOSTIC_SHAP_ROWS = 40  # a permutation explainer queries the model per row: fewer rows
BACKGROUND_ROWS = 20
N_REPEATS = 5


class FeatureSelectionError(ValueError):
    """Nothing can be recommended or tested for this run; the message says why."""


@dataclass(frozen=True)
class FoldData:
    """One refit: the run's data with the fold's fitting rows as the training part and its
    held-out rows as the test part (``fit_best`` fits the one and scores the other)."""

    data: PreparedData
    seed: int
    fold: int


@dataclass(frozen=True)
class TrialEvidence:
    """One trial's numbers, one entry per fold (in ``folds`` order).

    Attributes:
        permutation: column -> score lost when the column is shuffled, in the metric's units,
            positive when the column helps (for a metric to minimise: the loss it adds).
        shap: column -> mean |SHAP value| over the fold's sampled rows.
        baseline: the fold's score, unshuffled.
    """

    number: int
    permutation: dict[str, list[float]]
    shap: dict[str, list[float]]
    baseline: list[float]
    explainer: str


def read_spec(spec: ExperimentSpec | Mapping[str, Any]) -> ExperimentSpec:
    if isinstance(spec, ExperimentSpec):
        return spec
    try:
        return ExperimentSpec.model_validate(dict(spec))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "spec"
        raise FeatureSelectionError(
            f"The run's spec cannot be read ({where}: {first['msg']}).") from None


def direction_of(spec: ExperimentSpec) -> tuple[MetricDef, str]:
    """The primary metric and the direction the run optimises it in."""
    if not spec.metrics:
        raise FeatureSelectionError("The run's spec names no metric.")
    name = spec.metrics[0].name
    metric = METRICS.get(name)
    if metric is None:
        raise FeatureSelectionError(f"The run's metric {name!r} is not one the product knows.")
    return metric, spec.metrics[0].direction or metric.direction


def _as_folds(data: PreparedData, seed: int) -> list[FoldData]:
    found = []
    for k, (fit_idx, valid_idx) in enumerate(data.folds[:MAX_FOLDS]):
        found.append(FoldData(dataclasses.replace(
            data, X_train=data.X_train.iloc[fit_idx].reset_index(drop=True),
            y_train=data.y_train[fit_idx],
            X_test=data.X_train.iloc[valid_idx].reset_index(drop=True),
            y_test=data.y_train[valid_idx]), seed, k))
    return found


def load_folds(spec: ExperimentSpec, settings: Settings | None, *,
               dataset: LoadedDataset | None = None
               ) -> tuple[ExperimentSpec, PreparedData, list[FoldData]]:
    """The run's spec (quick mode, task filled in), its prepared data and the refits to do.

    Raises:
        FeatureSelectionError: the dataset cannot be loaded or has too many columns.
    """
    quick = spec.model_copy(update={"quick": True})
    try:
        loaded = dataset if dataset is not None else load_run_dataset(quick, settings)
        data = prepare_data(quick, loaded)
    except (OSError, ValueError, KeyError) as error:
        raise FeatureSelectionError(f"The run's dataset cannot be loaded: {error}") from None
    if data.X_train.shape[1] > MAX_COLUMNS:
        raise FeatureSelectionError(
            f"The run has {data.X_train.shape[1]} input columns; recommendations are computed "
            f"for at most {MAX_COLUMNS}.")
    quick = quick.model_copy(update={"task": quick.task or data.task})
    folds = _as_folds(data, quick.split.seed)
    seed = quick.split.seed
    while len(folds) < MIN_EVALUATIONS:  # a hold-out split: more seeds of it
        seed += 1
        seeded = quick.model_copy(update={"split": quick.split.model_copy(update={"seed": seed})})
        folds += _as_folds(prepare_data(seeded, loaded), seed)
    return quick, data, folds


def _scorer(metric: MetricDef, direction: str, n_classes: int
            ) -> Callable[[Any, np.ndarray, np.ndarray], float]:
    """A scorer of the fitted model on transformed rows, larger is better."""
    sign = 1.0 if direction == "maximize" else -1.0

    def score(estimator: Any, X: np.ndarray, y: np.ndarray) -> float:
        y_pred = estimator.predict(X)
        if n_classes == 0:
            return sign * metric.compute(Predictions(y_true=y, y_pred=np.asarray(y_pred, float)))
        scores, probability = None, False
        if metric.needs_scores and hasattr(estimator, "predict_proba"):
            scores, probability = np.asarray(estimator.predict_proba(X)), True
        elif metric.needs_scores and hasattr(estimator, "decision_function"):
            scores = np.asarray(estimator.decision_function(X))
        return sign * metric.compute(Predictions(
            y_true=y, y_pred=np.asarray(y_pred).astype(int), scores=scores,
            is_probability=probability, n_classes=n_classes))

    return score


def _rows(frame: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    if len(frame) <= n:
        return np.arange(len(frame))
    return np.sort(np.random.default_rng(seed).choice(len(frame), size=n, replace=False))


def _fold_numbers(spec: ExperimentSpec, params: Mapping[str, Any], fold: FoldData,
                  metric: MetricDef, direction: str
                  ) -> tuple[np.ndarray, np.ndarray, float, str]:
    """(permutation importance per column, mean |SHAP| per column, baseline, explainer).

    Both are measured on the transformed features and added back to their input column, as
    feature impact does (a one-hot column's importance is the sum of its 0/1 columns').
    """
    data = fold.data
    try:
        pipeline, _scores = fit_best(spec, params, data)
    except (KeyError, ValueError, TypeError) as error:
        raise FeatureSelectionError(f"The trial's pipeline cannot be refitted: {error}") from None
    preprocessor, estimator = pipeline.named_steps["features"], pipeline.named_steps["model"]
    columns = [str(c) for c in data.X_train.columns]
    sources = source_columns(preprocessor)
    rows = _rows(data.X_test, MAX_VALID_ROWS, fold.seed)
    X_valid = np.asarray(preprocessor.transform(data.X_test.iloc[rows]), dtype=float)
    y_valid = data.y_test[rows]
    scorer = _scorer(metric, direction, len(data.classes))
    sign = 1.0 if direction == "maximize" else -1.0
    with threadpool_limits(limits=int(spec.resources.cpu)):
        baseline = sign * scorer(estimator, X_valid, y_valid)
        found = permutation_importance(estimator, X_valid, y_valid, scoring=scorer,
                                       n_repeats=N_REPEATS, random_state=fold.seed)
    per_repeat = per_source_column(np.asarray(found.importances, dtype=float).T, sources, columns)
    shap_rows = SHAP_ROWS if spec.model_name in TREE_FAMILIES else AGNOSTIC_SHAP_ROWS
    X = X_valid[_rows(data.X_test.iloc[rows], shap_rows, fold.seed)]
    background = np.asarray(preprocessor.transform(
        data.X_train.iloc[_rows(data.X_train, BACKGROUND_ROWS, fold.seed)]), dtype=float)
    try:
        values, explainer, *_rest = explain_model(estimator, X, background,
                                             model=spec.model_name, seed=fold.seed)
        shap = np.abs(per_source_column(values, sources, columns)).mean(axis=0)
    except Exception:  # noqa: BLE001  (an estimator SHAP cannot query: permutation still counts)
        shap, explainer = np.full(len(columns), np.nan), "none"
    return per_repeat.mean(axis=0), shap, float(baseline), explainer


def trial_evidence(spec: ExperimentSpec, number: int, params: Mapping[str, Any],
                   folds: list[FoldData]) -> TrialEvidence:
    """Refit trial ``number`` on every fold and measure each input column."""
    metric, direction = direction_of(spec)
    complete = complete_params(spec, params)
    columns = [str(c) for c in folds[0].data.X_train.columns]
    permutation: dict[str, list[float]] = {c: [] for c in columns}
    shap: dict[str, list[float]] = {c: [] for c in columns}
    baseline, explainer = [], "none"
    for fold in folds:
        perm, mean_shap, score, explainer = _fold_numbers(spec, complete, fold, metric,
                                                          direction)
        for i, column in enumerate(columns):
            permutation[column].append(float(perm[i]))
            shap[column].append(float(mean_shap[i]))
        baseline.append(score)
    return TrialEvidence(number, permutation, shap, baseline, explainer)
