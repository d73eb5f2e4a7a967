"""Metrics a run can optimise, the tasks they fit and how each is computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn import metrics as skm

__all__ = ["METRICS", "MetricDef", "Predictions", "metrics_for_task", "score_all"]


@dataclass(frozen=True)
class Predictions:
    """What a fitted model says about one validation set."""

    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray | None = None  # class probabilities (n, k), or decision values
    is_probability: bool = False
    n_classes: int = 0


@dataclass(frozen=True)
class MetricDef:
    name: str
    label: str
    task: str
    direction: str
    compute: Callable[[Predictions], float]
    needs_scores: bool = False
    needs_probability: bool = False


def _roc_auc(p: Predictions) -> float:
    scores = p.scores
    if scores is None:
        raise ValueError("roc_auc needs class scores")
    labels = np.arange(p.n_classes)
    if p.n_classes <= 2:
        positive = scores[:, 1] if scores.ndim == 2 else scores
        return float(skm.roc_auc_score(p.y_true, positive))
    proba = scores if p.is_probability else _softmax(scores)
    return float(skm.roc_auc_score(p.y_true, proba, multi_class="ovr", labels=labels))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _log_loss(p: Predictions) -> float:
    if p.scores is None or not p.is_probability:
        raise ValueError("log_loss needs class probabilities")
    proba = p.scores if p.scores.ndim == 2 else np.column_stack([1 - p.scores, p.scores])
    return float(skm.log_loss(p.y_true, proba, labels=np.arange(p.n_classes)))


def _f1(average: str) -> Callable[[Predictions], float]:
    def compute(p: Predictions) -> float:
        avg = average
        if avg == "binary" and p.n_classes > 2:
            avg = "macro"
        return float(skm.f1_score(p.y_true, p.y_pred, average=avg, zero_division=0))

    return compute


_CLASSIFICATION = [
    MetricDef("accuracy", "Accuracy", "classification", "maximize",
              lambda p: float(skm.accuracy_score(p.y_true, p.y_pred))),
    MetricDef("balanced_accuracy", "Balanced accuracy", "classification", "maximize",
              lambda p: float(skm.balanced_accuracy_score(p.y_true, p.y_pred))),
    MetricDef("f1", "F1 (binary; macro for several classes)", "classification", "maximize",
              _f1("binary")),
    MetricDef("f1_macro", "F1 macro", "classification", "maximize", _f1("macro")),
    MetricDef("f1_weighted", "F1 weighted", "classification", "maximize", _f1("weighted")),
    MetricDef("roc_auc", "ROC AUC", "classification", "maximize", _roc_auc, needs_scores=True),
    MetricDef("log_loss", "Log loss", "classification", "minimize", _log_loss,
              needs_scores=True, needs_probability=True),
]
_REGRESSION = [
    MetricDef("rmse", "RMSE", "regression", "minimize",
              lambda p: float(np.sqrt(skm.mean_squared_error(p.y_true, p.y_pred)))),
    MetricDef("mae", "MAE", "regression", "minimize",
              lambda p: float(skm.mean_absolute_error(p.y_true, p.y_pred))),
    MetricDef("r2", "R²", "regression", "maximize",
              lambda p: float(skm.r2_score(p.y_true, p.y_pred))),
]

METRICS: dict[str, MetricDef] = {m.name: m for m in _CLASSIFICATION + _REGRESSION}
DEFAULT_METRIC = {"classification": "accuracy", "regression": "rmse"}


def metrics_for_task(task: str, *, has_probability: bool = True) -> list[MetricDef]:
    """Metrics that can be computed for a task (log loss only for models with probabilities)."""
    return [
        m for m in METRICS.values()
        if m.task == task and (has_probability or not m.needs_probability)
    ]


def score_all(predictions: Predictions, task: str) -> dict[str, float]:
    """Every metric of the task that these predictions allow, by name (NaN where undefined)."""
    results: dict[str, float] = {}
    for metric in metrics_for_task(task, has_probability=predictions.is_probability):
        if metric.needs_scores and predictions.scores is None:
            continue
        try:
            results[metric.name] = metric.compute(predictions)
        except ValueError:  # e.g. ROC AUC on a fold that holds one class only
            results[metric.name] = float("nan")
    return results
