"""Feature impact of a run's best trial: the model's own importances and SHAP values, per input
column of the dataset.

`compute_feature_impact` refits the best trial's pipeline on the search part of the data (as
``optunagui runs train-best`` does), explains it on a small sample of the held-out rows and
adds the transformed features (one-hot columns, ...) back into the input column each came
from. Tree families get SHAP's TreeExplainer; the others a permutation explainer over a small
background sample, so either finishes in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pydantic import ValidationError

from optunagui.features import is_numeric
from optunagui.objective import PreparedData, fit_best, load_run_dataset, prepare_data
from optunagui.spec import ExperimentSpec

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = [
    "FeatureImpactError",
    "FeatureImpactRecord",
    "compute_feature_impact",
    "draw_model_importance",
    "draw_shap_bar",
    "draw_shap_beeswarm",
    "explain_model",
    "per_source_column",
    "source_columns",
]

TREE_FAMILIES = frozenset(
    {"random_forest", "extra_trees", "hist_gradient_boosting", "lightgbm", "xgboost"}
)
PROBABILITY_TREES = frozenset({"random_forest", "extra_trees"})  # the others explain log-odds
MAX_ROWS = 200
AGNOSTIC_MAX_ROWS = 100
BACKGROUND_ROWS = 20
BEESWARM_COLUMNS = 20
LOW_HIGH_COLORS = [[0.0, "#1e88e5"], [1.0, "#ff0d57"]]


class FeatureImpactError(ValueError):
    """The best trial cannot be refitted or explained; the message says why."""


@dataclass(frozen=True, eq=False)
class FeatureImpactRecord:
    """What drives the best trial's model, per input column.

    Attributes:
        columns: the input columns, largest mean |SHAP| first.
        mean_abs_shap: column -> mean over the sample of |SHAP value|.
        importances: column -> share of the model's own importance (tree importances or
            |coefficients|, summed over the column's transformed features); None when the model
            has none.
        shap_values: (sample_size, len(columns)) SHAP values, in ``columns`` order; a column's
            value is the sum over its transformed features.
        feature_values: the sample's values of the same columns (NaN where not numeric).
        feature_text: the sample's values as text, for hover labels.
        explainer: "tree" or "permutation".
        output: what the SHAP values are in ("probability of class 1", ...).
    """

    columns: tuple[str, ...]
    mean_abs_shap: dict[str, float]
    importances: dict[str, float] | None
    shap_values: np.ndarray
    feature_values: np.ndarray
    feature_text: np.ndarray
    explainer: str
    output: str
    model: str
    sample_size: int
    n_background: int
    n_train: int
    seconds: float
    trial_number: int | None = None
    run_id: int | None = None

    @property
    def note(self) -> str:
        how = ("TreeExplainer" if self.explainer == "tree"
               else f"a permutation explainer over {self.n_background} background rows")
        trial = f"Trial {self.trial_number}'s" if self.trial_number is not None else "The"
        return (f"{trial} {self.model} refitted on {self.n_train} rows, explained with {how} on "
                f"{self.sample_size} held-out rows ({self.output}) in {self.seconds:.1f} s.")


def _owner(name: str, columns: list[str]) -> str:
    matches = [c for c in columns if name == c or name.startswith(f"{c}_")]
    if not matches:
        raise FeatureImpactError(f"cannot tell which input column feature {name!r} comes from")
    return max(matches, key=len)


def source_columns(preprocessor: Any) -> list[str]:
    """For each output feature of a fitted ColumnTransformer, the input column it comes from."""
    sources: list[str] = []
    for _name, transformer, selected in preprocessor.transformers_:
        columns = [str(c) for c in selected]
        if isinstance(transformer, str):
            if transformer == "passthrough":
                sources += columns
            continue
        names = [str(n) for n in transformer.get_feature_names_out(columns)]
        sources += columns if len(names) == len(columns) else [_owner(n, columns) for n in names]
    expected = len(preprocessor.get_feature_names_out())
    if len(sources) != expected:
        raise FeatureImpactError(
            f"{expected} transformed features but {len(sources)} traced back to input columns")
    return sources


def per_source_column(matrix: np.ndarray, sources: list[str], columns: list[str]) -> np.ndarray:
    """Sum the transformed features' columns of ``matrix`` into one column per input column."""
    out = np.zeros((matrix.shape[0], len(columns)))
    position = {c: i for i, c in enumerate(columns)}
    for j, source in enumerate(sources):
        out[:, position[source]] += matrix[:, j]
    return out


def _own_importances(estimator: Any, sources: list[str], columns: list[str]
                     ) -> dict[str, float] | None:
    raw = getattr(estimator, "feature_importances_", None)
    if raw is None and getattr(estimator, "coef_", None) is not None:
        raw = np.abs(np.atleast_2d(np.asarray(estimator.coef_, dtype=float))).mean(axis=0)
    if raw is None or len(raw) != len(sources):
        return None
    totals = per_source_column(np.abs(np.asarray(raw, dtype=float))[None, :], sources, columns)[0]
    total = float(totals.sum())
    return {c: float(v / total) if total > 0 else 0.0 for c, v in zip(columns, totals,
                                                                          strict=True)}


def _one_output(values: np.ndarray, estimator: Any, X: np.ndarray) -> tuple[np.ndarray, str]:
    """One SHAP value per row and feature: the positive class of a binary model, each row's
    predicted class of a multiclass one."""
    if values.ndim == 2:
        return values, "positive class" if hasattr(estimator, "classes_") else ""
    if values.shape[2] == 2:
        return values[:, :, 1], "positive class"
    predicted = np.searchsorted(np.asarray(estimator.classes_), estimator.predict(X))
    predicted = np.clip(np.asarray(predicted, dtype=int).ravel(), 0, values.shape[2] - 1)
    return values[np.arange(len(X)), :, predicted], "each row's predicted class"


def explain_model(estimator: Any, X: np.ndarray, background: np.ndarray, *, model: str,
                  seed: int) -> tuple[np.ndarray, str, str, str, int]:
    """(SHAP values per row and transformed feature, explainer, the output's scale, which
    output, background rows)"""
    import shap

    if model in TREE_FAMILIES:
        try:
            explanation = shap.TreeExplainer(estimator)(X, check_additivity=False)
        except Exception:  # shap lacks support for this estimator: explain it by permutation
            explanation = None
        if explanation is not None:
            values, target = _one_output(np.asarray(explanation.values, float), estimator, X)
            scale = "probability" if model in PROBABILITY_TREES else "log-odds"
            return values, "tree", scale, target, 0
    classifier = hasattr(estimator, "classes_")
    if classifier and hasattr(estimator, "predict_proba"):
        predict, scale = estimator.predict_proba, "probability"
    elif classifier and hasattr(estimator, "decision_function"):
        predict, scale = estimator.decision_function, "decision score"
    else:
        predict, scale = estimator.predict, "predicted class" if classifier else ""
    masker = shap.maskers.Independent(background, max_samples=len(background))
    explainer = shap.explainers.Permutation(predict, masker, seed=seed)
    explanation = explainer(X, max_evals=2 * X.shape[1] + 1, silent=True)
    values, target = _one_output(np.asarray(explanation.values, float), estimator, X)
    return values, "permutation", scale, target, len(background)


def _output_label(scale: str, target: str, classes: list[Any]) -> str:
    if not target:
        return "predicted value"
    if target == "positive class" and len(classes) == 2:
        return f"{scale} of class {classes[1]}"
    return f"{scale} of {target}"


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    if len(frame) <= n:
        return frame.reset_index(drop=True)
    return frame.sample(n=n, random_state=seed).sort_index().reset_index(drop=True)


def _load(spec: ExperimentSpec | Mapping[str, Any], settings: Settings | None
          ) -> tuple[ExperimentSpec, PreparedData]:
    try:
        spec = spec if isinstance(spec, ExperimentSpec) else ExperimentSpec.model_validate(spec)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "spec"
        raise FeatureImpactError(f"The run's spec cannot be read ({where}: {first['msg']})."
                                 ) from None
    try:
        dataset = load_run_dataset(spec, settings)
        data = prepare_data(spec, dataset)
    except (OSError, ValueError, KeyError) as error:
        raise FeatureImpactError(f"The run's dataset cannot be loaded: {error}") from None
    if spec.task is None:  # the refit builds the estimator for the task the data implies
        spec = spec.model_copy(update={"task": data.task})
    return spec, data


def compute_feature_impact(
    spec: ExperimentSpec | Mapping[str, Any],
    params: Mapping[str, Any],
    settings: Settings | None = None,
    *,
    run_id: int | None = None,
    trial_number: int | None = None,
    max_rows: int = MAX_ROWS,
    seed: int = 0,
) -> FeatureImpactRecord:
    """Refit the pipeline with ``params`` and explain it on at most ``max_rows`` held-out rows
    (fewer, ``AGNOSTIC_MAX_ROWS``, for models without a tree explainer).

    Raises:
        FeatureImpactError: the spec, dataset or parameters cannot make a model.
    """
    started = time.perf_counter()
    spec, data = _load(spec, settings)
    try:
        pipeline, _scores = fit_best(spec, params, data)
    except (KeyError, ValueError, TypeError) as error:
        raise FeatureImpactError(f"The best trial's pipeline cannot be refitted: {error}") from None
    preprocessor, estimator = pipeline.named_steps["features"], pipeline.named_steps["model"]
    columns = [str(c) for c in data.X_train.columns]
    sources = source_columns(preprocessor)
    tree = spec.model in TREE_FAMILIES
    held_out = data.X_test if len(data.X_test) else data.X_train
    sample = _sample(held_out, max_rows if tree else min(max_rows, AGNOSTIC_MAX_ROWS), seed)
    X = np.asarray(preprocessor.transform(sample), dtype=float)
    background = np.asarray(
        preprocessor.transform(_sample(data.X_train, BACKGROUND_ROWS, seed)), dtype=float)
    try:
        values, explainer, scale, target, n_background = explain_model(
            estimator, X, background, model=spec.model_name, seed=seed)
    except Exception as error:  # an estimator no explainer can query
        raise FeatureImpactError(
            f"SHAP cannot explain this {spec.model} model: {type(error).__name__}: {error}"
        ) from None
    shap_columns = per_source_column(values, sources, columns)
    mean_abs = np.abs(shap_columns).mean(axis=0)
    order = np.argsort(-mean_abs, kind="stable")
    ordered = [columns[i] for i in order]
    feature_values = np.full((len(sample), len(columns)), np.nan)
    for i, column in enumerate(ordered):
        if is_numeric(sample[column]):
            feature_values[:, i] = pd.to_numeric(sample[column], errors="coerce")
    return FeatureImpactRecord(
        columns=tuple(ordered),
        mean_abs_shap={columns[i]: float(mean_abs[i]) for i in order},
        importances=_own_importances(estimator, sources, columns),
        shap_values=shap_columns[:, order],
        feature_values=feature_values,
        feature_text=sample[ordered].astype(str).to_numpy(),
        explainer=explainer,
        output=_output_label(scale, target, data.classes),
        model=spec.model_name,
        sample_size=len(sample),
        n_background=n_background,
        n_train=len(data.y_train),
        seconds=time.perf_counter() - started,
        trial_number=trial_number,
        run_id=run_id,
    )


def _message_figure(text: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=220,
                      annotations=[{"text": text, "showarrow": False, "xref": "paper",
                                    "yref": "paper", "x": 0.5, "y": 0.5}])
    return fig


def _bars(values: Mapping[str, float], title: str, axis: str, fmt: str) -> go.Figure:
    # drawn bottom-up, the largest on top; ties keep the mapping's order, top down
    names = sorted(reversed(list(values)), key=lambda c: values[c])
    numbers = [values[c] for c in names]
    fig = go.Figure(go.Bar(x=numbers, y=names, orientation="h",
                           hovertemplate=f"%{{y}}: %{{x:{fmt}}}<extra></extra>"))
    fig.update_layout(title={"text": title}, xaxis={"title": axis},
                      height=max(300, 24 * len(names) + 120), margin={"l": 160})
    return fig


def draw_model_importance(record: FeatureImpactRecord) -> go.Figure:
    if record.importances is None:
        return _message_figure(f"The {record.model} model has no built-in importances; "
                               "the SHAP views below cover it.")
    return _bars(record.importances, f"Built-in importance of the {record.model} model",
                 "share of importance", ".1%")


def draw_shap_bar(record: FeatureImpactRecord) -> go.Figure:
    return _bars(record.mean_abs_shap, f"Mean |SHAP value| per column<br><sup>{record.output}"
                 "</sup>", "mean |SHAP value|", ".4g")


def _swarm_offsets(x: np.ndarray, width: float = 0.4, bins: int = 40) -> np.ndarray:
    """Vertical offsets that spread points sharing an x bin around their row, alternating up
    and down, so dense regions of SHAP values show as wide swarms."""
    if x.size == 0:
        return np.zeros(0)
    span = float(x.max() - x.min())
    index = (np.zeros(x.size, dtype=int) if span == 0
             else np.clip(((x - x.min()) / span * bins).astype(int), 0, bins - 1))
    rank = np.zeros(x.size)
    seen: dict[int, int] = {}
    for i in np.argsort(x, kind="stable"):
        k = seen.get(int(index[i]), 0)
        seen[int(index[i])] = k + 1
        rank[i] = (k + 1) // 2 * (1 if k % 2 else -1)
    widest = max(1.0, float(np.abs(rank).max()))
    return rank / widest * width


def draw_shap_beeswarm(record: FeatureImpactRecord, max_columns: int = BEESWARM_COLUMNS
                       ) -> go.Figure:
    """SHAP value of every sampled row per column (largest mean |SHAP| on top), coloured from
    low to high by the row's value of the column (grey: not numeric)."""
    shown = record.columns[:max_columns]
    coloured: dict[str, list[Any]] = {"x": [], "y": [], "c": [], "d": []}
    grey: dict[str, list[Any]] = {"x": [], "y": [], "d": []}
    for i, column in enumerate(shown):
        row = len(shown) - 1 - i
        x = record.shap_values[:, i]
        y = row + _swarm_offsets(x)
        values = record.feature_values[:, i]
        ranks = pd.Series(values).rank(pct=True).to_numpy()
        for j in range(len(x)):
            target = grey if np.isnan(values[j]) else coloured
            target["x"].append(float(x[j]))
            target["y"].append(float(y[j]))
            target["d"].append([column, record.feature_text[j, i]])
            if target is coloured:
                coloured["c"].append(float(ranks[j]))
    hover = "%{customdata[0]} = %{customdata[1]}<br>SHAP %{x:.4g}<extra></extra>"
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=coloured["x"], y=coloured["y"], mode="markers", name="numeric value",
        customdata=coloured["d"], hovertemplate=hover,
        marker={"color": coloured["c"], "colorscale": LOW_HIGH_COLORS, "cmin": 0, "cmax": 1,
                "size": 5, "opacity": 0.8,
                "colorbar": {"title": {"text": "value"}, "tickvals": [0, 1],
                             "ticktext": ["low", "high"]}}))
    if grey["x"]:
        fig.add_trace(go.Scatter(x=grey["x"], y=grey["y"], mode="markers",
                                 name="not numeric", customdata=grey["d"], hovertemplate=hover,
                                 marker={"color": "#9e9e9e", "size": 5, "opacity": 0.8}))
    fig.add_vline(x=0, line={"color": "#888", "width": 1})
    fig.update_layout(
        title={"text": f"SHAP value per row<br><sup>{record.output}; "
                       f"{record.sample_size} held-out rows</sup>"},
        xaxis={"title": "SHAP value (impact on the model output)"},
        yaxis={"tickvals": list(range(len(shown))), "ticktext": list(reversed(shown)),
               "range": [-0.7, len(shown) - 0.3]},
        showlegend=False, height=max(320, 28 * len(shown) + 140), margin={"l": 160})
    return fig
