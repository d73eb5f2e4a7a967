"""Feature transforms: the preprocessing half of every trial's scikit-learn Pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)

from optunagui.packaging.standalone_functions import _signed_log1p, _to_text

__all__ = ["NUMERIC_ONLY_TRANSFORMS", "TRANSFORM_WORDS", "applied_transforms",
           "build_preprocessor", "default_transform", "is_numeric"]

NUMERIC_ONLY_TRANSFORMS = frozenset(
    {"standardize", "minmax", "log1p", "impute_mean", "impute_median", "passthrough"}
)


TRANSFORM_WORDS = {
    "standardize": "missing values → median, then scaled to mean 0 and standard deviation 1",
    "minmax": "missing values → median, then scaled to 0..1",
    "log1p": "missing values → median, then sign(x)·log(1+|x|)",
    "impute_mean": "missing values → mean, otherwise as is",
    "impute_median": "missing values → median, otherwise as is",
    "impute_most_frequent": "missing values → the most frequent value, otherwise as is",
    "one_hot": "one 0/1 column per value (at most 50; missing is a value of its own)",
    "ordinal": "one integer per value (missing is a value of its own; unseen values → -1)",
    "passthrough": "as is (missing values stay missing)",
}


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def default_transform(series: pd.Series, *, needs_scaling: bool) -> str:
    """What a column gets when the spec names no transform for it."""
    if is_numeric(series):
        return "standardize" if needs_scaling else "impute_median"
    return "one_hot"


def _step(transform: str) -> Pipeline | str:
    median = SimpleImputer(strategy="median", keep_empty_features=True)
    text = FunctionTransformer(_to_text, feature_names_out="one-to-one")
    steps = {
        "standardize": lambda: make_pipeline(median, StandardScaler()),
        "minmax": lambda: make_pipeline(median, MinMaxScaler()),
        "log1p": lambda: make_pipeline(
            median, FunctionTransformer(_signed_log1p, feature_names_out="one-to-one")
        ),
        "impute_mean": lambda: make_pipeline(
            SimpleImputer(strategy="mean", keep_empty_features=True)
        ),
        "impute_median": lambda: make_pipeline(median),
        "impute_most_frequent": lambda: make_pipeline(
            SimpleImputer(strategy="most_frequent", keep_empty_features=True)
        ),
        "one_hot": lambda: make_pipeline(
            text, OneHotEncoder(handle_unknown="ignore", sparse_output=False, max_categories=50)
        ),
        "ordinal": lambda: make_pipeline(
            text,
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
        ),
        "passthrough": lambda: "passthrough",
    }
    return steps[transform]()


def applied_transforms(
    frame: pd.DataFrame,
    columns: Sequence[str],
    transforms: Mapping[str, str],
    *,
    needs_scaling: bool,
) -> dict[str, str]:
    """Each column's transform as ``build_preprocessor`` applies it: the spec's, or the
    default for the column and the model."""
    return {
        column: transforms.get(column)
        or default_transform(frame[column], needs_scaling=needs_scaling)
        for column in columns
    }


def build_preprocessor(
    frame: pd.DataFrame,
    columns: Sequence[str],
    transforms: Mapping[str, str],
    *,
    needs_scaling: bool,
) -> ColumnTransformer:
    """One ColumnTransformer applying each column's transform (or its default).

    Columns that share a transform go through one step, so the pipeline stays small even
    for wide data.
    """
    grouped: dict[str, list[str]] = {}
    applied = applied_transforms(frame, columns, transforms, needs_scaling=needs_scaling)
    for column, transform in applied.items():
        grouped.setdefault(transform, []).append(column)
    return ColumnTransformer(
        [(name, _step(name), cols) for name, cols in grouped.items()],
        remainder="drop",
        sparse_threshold=0.0,
        verbose_feature_names_out=False,
    )
