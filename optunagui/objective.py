"""The objective: what one trial does with a set of parameters, with or without Ray."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from optunagui.datasets import load_builtin, load_file
from optunagui.features import build_preprocessor
from optunagui.metrics import Predictions, score_all
from optunagui.models import get_model
from optunagui.splits import Fold, split_folds, split_test

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.datasets import LoadedDataset
    from optunagui.spec import ExperimentSpec

__all__ = [
    "PreparedData",
    "QUICK_MAX_ROWS",
    "Reporter",
    "TrialResult",
    "evaluate",
    "fit_best",
    "load_run_dataset",
    "prepare_data",
]

QUICK_MAX_ROWS = 2000
QUICK_TARGET_BINS = 10


class Reporter(Protocol):
    def report(self, step: int, metrics: Mapping[str, float]) -> None:
        """Receive the validation score after one step; may raise to stop the trial."""


@dataclass
class PreparedData:
    """A run's data, split once: the search part with its folds, and the hold-out test part."""

    X_train: pd.DataFrame
    y_train: np.ndarray
    X_test: pd.DataFrame
    y_test: np.ndarray
    task: str
    classes: list[Any]
    folds: list[Fold]
    target: str
    dataset_sha256: str
    n_rows: int
    quick: bool = False

    @property
    def feature_columns(self) -> list[str]:
        return list(self.X_train.columns)


@dataclass
class TrialResult:
    values: list[float]
    metrics: dict[str, float]
    fold_scores: dict[str, list[float]]
    fit_time_s: float
    n_steps: int
    feature_importances: dict[str, float] = field(default_factory=dict)


def load_run_dataset(spec: ExperimentSpec, settings: Settings | None = None) -> LoadedDataset:
    """The dataset a spec names: a bundled one, or a file (resolved against the data dir)."""
    if spec.data.builtin is not None:
        return load_builtin(spec.data.builtin, **spec.data.options)
    path = Path(spec.data.path)  # type: ignore[arg-type]
    if not path.is_absolute() and settings is not None:
        path = settings.data_dir / path
    return load_file(path, target=spec.data.target)


def prepare_data(spec: ExperimentSpec, dataset: LoadedDataset) -> PreparedData:
    """Encode the target, drop excluded columns, split off the test part, build the folds."""
    task = spec.task or dataset.task
    frame = dataset.frame[dataset.frame[dataset.target].notna()].reset_index(drop=True)
    dropped = set(spec.features.exclude) | {dataset.target}
    if spec.split.group:
        dropped.add(spec.split.group)
    features = frame[[c for c in frame.columns if c not in dropped]]
    target = frame[dataset.target]
    if task == "classification":
        labels = target if pd.api.types.is_numeric_dtype(target) else target.astype(str)
        classes, y = np.unique(labels.to_numpy(), return_inverse=True)
        classes_list = classes.tolist()
    else:
        y = target.to_numpy(dtype=float)
        classes_list = []
    groups = frame[spec.split.group].to_numpy() if spec.split.group else None
    train_idx, test_idx = split_test(y, spec.split, task, groups)
    if spec.quick and len(train_idx) > QUICK_MAX_ROWS:
        train_idx = _subsample(train_idx, y, task, spec.split.seed)
    y_train = y[train_idx]
    folds = split_folds(y_train, spec.split, task, None if groups is None else groups[train_idx])
    return PreparedData(
        X_train=features.iloc[train_idx].reset_index(drop=True),
        y_train=y_train,
        X_test=features.iloc[test_idx].reset_index(drop=True),
        y_test=y[test_idx],
        task=task,
        classes=classes_list,
        folds=folds,
        target=dataset.target,
        dataset_sha256=dataset.sha256,
        n_rows=len(frame),
        quick=spec.quick,
    )


def _subsample(indices: np.ndarray, y: np.ndarray, task: str, seed: int) -> np.ndarray:
    """QUICK_MAX_ROWS of `indices`, stratified: each class (classification) or each decile of
    the target (regression) keeps its share, and every class keeps at least one row."""
    values = y[indices]
    if task == "classification":
        strata = values
    else:
        edges = np.quantile(values, np.linspace(0, 1, QUICK_TARGET_BINS + 1)[1:-1])
        strata = np.searchsorted(edges, values, side="right")
    rng = np.random.default_rng(seed)
    groups, inverse = np.unique(strata, return_inverse=True)
    quotas = _stratum_quotas(np.bincount(inverse, minlength=len(groups)), QUICK_MAX_ROWS)
    kept = [rng.choice(indices[inverse == g], size=quota, replace=False)
            for g, quota in enumerate(quotas) if quota]
    return np.sort(np.concatenate(kept))


def _stratum_quotas(counts: np.ndarray, size: int) -> np.ndarray:
    """Rows to take from each stratum: proportional shares rounded by largest remainder,
    at least one per stratum, never more than it holds, `size` in all."""
    exact = counts * size / counts.sum()
    quotas = np.minimum(np.maximum(np.floor(exact).astype(int), 1), counts)
    remainder = exact - np.floor(exact)
    while quotas.sum() < size:
        room = np.where(quotas < counts, remainder + (quotas < exact), -np.inf)
        quotas[int(np.argmax(room))] += 1
        remainder[int(np.argmax(room))] = 0.0
    while quotas.sum() > size:
        largest = int(np.argmax(quotas))
        quotas[largest] -= 1
    return quotas


def _build_pipeline(spec: ExperimentSpec, params: Mapping[str, Any], X: pd.DataFrame,
                    task: str, device: str) -> Pipeline:
    model = get_model(spec.model_name)
    preprocessor = build_preprocessor(
        X, list(X.columns), spec.features.transforms, needs_scaling=model.needs_scaling
    )
    estimator = model.build(dict(params), task, device=device,
                            n_jobs=int(spec.resources.cpu), seed=spec.split.seed)
    return Pipeline([("features", preprocessor), ("model", estimator)])


def _predict(estimator: Any, X: np.ndarray, y: np.ndarray, n_classes: int) -> Predictions:
    y_pred = estimator.predict(X)
    if n_classes == 0:
        return Predictions(y_true=y, y_pred=np.asarray(y_pred, dtype=float))
    scores, is_probability = None, False
    if hasattr(estimator, "predict_proba"):
        scores, is_probability = np.asarray(estimator.predict_proba(X)), True
    elif hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(X))
    return Predictions(y_true=y, y_pred=np.asarray(y_pred).astype(int), scores=scores,
                       is_probability=is_probability, n_classes=n_classes)


@dataclass
class _Fold:
    pipeline: Pipeline
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray

    @property
    def estimator(self) -> Any:
        return self.pipeline.named_steps["model"]


def _setup_folds(spec: ExperimentSpec, params: Mapping[str, Any], data: PreparedData,
                 device: str) -> list[_Fold]:
    template = _build_pipeline(spec, params, data.X_train, data.task, device)
    folds = []
    for fit_idx, valid_idx in data.folds:
        pipeline = clone(template)
        X_fit = data.X_train.iloc[fit_idx]
        preprocessor = pipeline.named_steps["features"]
        folds.append(_Fold(
            pipeline=pipeline,
            X_fit=np.asarray(preprocessor.fit_transform(X_fit, data.y_train[fit_idx]), float),
            y_fit=data.y_train[fit_idx],
            X_valid=np.asarray(preprocessor.transform(data.X_train.iloc[valid_idx]), float),
            y_valid=data.y_train[valid_idx],
        ))
    return folds


def _fold_score(fold: _Fold, data: PreparedData, task: str) -> dict[str, float]:
    predictions = _predict(fold.estimator, fold.X_valid, fold.y_valid, len(data.classes))
    return score_all(predictions, task)


def _train_in_steps(folds: list[_Fold], fit_steps: Any) -> Iterator[int]:
    """Advance every fold's model one chunk at a time; yield after each step of all folds."""
    runners = [fit_steps(fold.estimator, fold.X_fit, fold.y_fit) for fold in folds]
    step = 0
    while runners:
        alive = []
        for runner in runners:
            try:
                next(runner)
                alive.append(runner)
            except StopIteration:
                pass
        if not alive:
            return
        runners = alive
        step += 1
        yield step


def evaluate(
    spec: ExperimentSpec,
    params: Mapping[str, Any],
    data: PreparedData,
    reporter: Reporter | None = None,
    device: str = "cpu",
) -> TrialResult:
    """Cross-validate one parameter set; report the primary metric after every step.

    Iterative models (boosting, the MLP) step through training in chunks across all folds at
    once, so a pruner can stop a poor trial early; other models report after each fold.
    Native thread pools are held to the trial's CPUs so concurrent trials do not oversubscribe.
    """
    with threadpool_limits(limits=int(spec.resources.cpu)):
        return _evaluate(spec, params, data, reporter, device)


def _evaluate(spec: ExperimentSpec, params: Mapping[str, Any], data: PreparedData,
              reporter: Reporter | None, device: str) -> TrialResult:
    model = get_model(spec.model_name)
    task = data.task
    primary = spec.metrics[0].name
    started = time.perf_counter()
    folds = _setup_folds(spec, params, data, device)
    n_steps = 0
    scores: list[dict[str, float]] = []
    if model.fit_steps is not None:
        for n_steps in _train_in_steps(folds, model.fit_steps):
            if reporter is not None:
                current = [_fold_score(f, data, task)[primary] for f in folds]
                reporter.report(n_steps, {primary: float(np.mean(current))})
        scores = [_fold_score(fold, data, task) for fold in folds]
    else:
        for n_steps, fold in enumerate(folds, start=1):
            fold.estimator.fit(fold.X_fit, fold.y_fit)
            scores.append(_fold_score(fold, data, task))
            if reporter is not None:
                running = float(np.mean([s[primary] for s in scores]))
                reporter.report(n_steps, {primary: running})
    fold_scores = {name: [s[name] for s in scores] for name in scores[0]}
    metrics = {name: float(np.mean(values)) for name, values in fold_scores.items()}
    return TrialResult(
        values=[metrics[m.name] for m in spec.metrics],
        metrics=metrics,
        fold_scores=fold_scores,
        fit_time_s=time.perf_counter() - started,
        n_steps=n_steps,
        feature_importances=_importances(folds),
    )


def _importances(folds: list[_Fold]) -> dict[str, float]:
    """The models' own cheap importances (tree gains or |coefficients|), mean over folds."""
    totals: dict[str, float] = {}
    for fold in folds:
        estimator = fold.estimator
        raw = getattr(estimator, "feature_importances_", None)
        if raw is None and getattr(estimator, "coef_", None) is not None:
            coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))
            raw = np.abs(coef).mean(axis=0)
        if raw is None:
            return {}
        names = fold.pipeline.named_steps["features"].get_feature_names_out()
        if len(names) != len(raw):
            return {}
        for name, value in zip(names, np.asarray(raw, dtype=float), strict=True):
            totals[str(name)] = totals.get(str(name), 0.0) + float(value) / len(folds)
    return totals


def fit_best(
    spec: ExperimentSpec, params: Mapping[str, Any], data: PreparedData, device: str = "cpu"
) -> tuple[Pipeline, dict[str, float]]:
    """Refit the pipeline on all search data and score it on the hold-out test part."""
    pipeline = _build_pipeline(spec, params, data.X_train, data.task, device)
    with threadpool_limits(limits=int(spec.resources.cpu)):
        pipeline.fit(data.X_train, data.y_train)
    preprocessor, estimator = pipeline.named_steps["features"], pipeline.named_steps["model"]
    X_test = np.asarray(preprocessor.transform(data.X_test), float)
    predictions = _predict(estimator, X_test, data.y_test, len(data.classes))
    return pipeline, score_all(predictions, data.task)
