"""What a package records about its inputs and its software: the input schema and versions."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import pandas as pd

__all__ = ["REQUIRED_DISTRIBUTIONS", "column_kind", "input_schema", "package_versions"]

# Always needed to load a package; a model family may add its own library.
REQUIRED_DISTRIBUTIONS = ("numpy", "pandas", "scipy", "scikit-learn", "skops")
_FAMILY_DISTRIBUTIONS = {"lightgbm": ("lightgbm",), "xgboost": ("xgboost",), "mlp": ("torch",)}


def column_kind(series: pd.Series) -> str:
    """How predict.py converts a column read as text: one of float, integer, boolean,
    datetime, category, text."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    return "text"


def input_schema(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The pipeline's input columns in order, each with its pandas dtype and kind."""
    return [{"name": str(name), "dtype": str(frame[name].dtype), "kind": column_kind(frame[name])}
            for name in frame.columns]


def package_versions(model_family: str) -> dict[str, str]:
    """Exact versions of Python and of every library the package needs for this family."""
    versions = {"python": platform.python_version()}
    for name in REQUIRED_DISTRIBUTIONS + _FAMILY_DISTRIBUTIONS.get(model_family, ()):
        versions[name] = metadata.version(name)
    return versions
