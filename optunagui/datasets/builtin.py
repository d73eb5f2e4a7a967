"""Bundled datasets: scikit-learn's small sets (shipped with the library, no download) and two
seeded synthetic generators."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optunagui.datasets.errors import DatasetError
from optunagui.datasets.limits import BYTES_PER_VALUE, MAX_COLUMNS, MAX_SYNTHETIC_BYTES, size_text
from optunagui.datasets.loaded import LoadedDataset

__all__ = ["BUILTIN_DATASETS", "BuiltinInfo", "builtin_sha256", "load_builtin"]

TARGET = "target"
_HASH_FORMAT = "optunagui-builtin-v1"


@dataclass(frozen=True)
class BuiltinInfo:
    """What a builtin dataset is, without loading it.

    Attributes:
        name: The name used in specs (``dataset.builtin``).
        label: Human name.
        task: ``"classification"`` or ``"regression"``.
        description: One line for the dashboard.
        n_rows: Rows with the default options.
        n_features: Feature columns with the default options (the target not counted).
        defaults: Options the dataset accepts, with their default values (empty: none).
    """

    name: str
    label: str
    task: str
    description: str
    n_rows: int
    n_features: int
    defaults: Mapping[str, Any] = field(default_factory=dict)


_CLASSIFICATION_DEFAULTS: dict[str, Any] = {
    "n_samples": 1000,
    "n_features": 20,
    "n_informative": 10,
    "n_classes": 2,
    "class_sep": 1.0,
    "noise": 0.01,
    "seed": 0,
}
_REGRESSION_DEFAULTS: dict[str, Any] = {
    "n_samples": 1000,
    "n_features": 20,
    "n_informative": 10,
    "noise": 10.0,
    "seed": 0,
}

_BUILTINS = (
    BuiltinInfo(
        "iris", "Iris", "classification", "3 iris species from 4 flower measurements", 150, 4
    ),
    BuiltinInfo(
        "wine", "Wine", "classification", "3 wine cultivars from 13 chemical measurements", 178, 13
    ),
    BuiltinInfo(
        "breast_cancer",
        "Breast cancer (Wisconsin)",
        "classification",
        "Malignant (0) or benign (1) from 30 cell-nucleus features",
        569,
        30,
    ),
    BuiltinInfo(
        "digits", "Digits", "classification", "Handwritten digits 0-9 as 8x8 pixel images", 1797, 64
    ),
    BuiltinInfo(
        "diabetes",
        "Diabetes",
        "regression",
        "Disease progression after one year from 10 baseline variables",
        442,
        10,
    ),
    BuiltinInfo(
        "synthetic_classification",
        "Synthetic classification",
        "classification",
        "Seeded make_classification: n_samples, n_features, n_informative, n_classes, "
        "class_sep, noise (fraction of labels assigned at random), seed",
        1000,
        20,
        _CLASSIFICATION_DEFAULTS,
    ),
    BuiltinInfo(
        "synthetic_regression",
        "Synthetic regression",
        "regression",
        "Seeded make_regression: n_samples, n_features, n_informative, "
        "noise (std of Gaussian noise on the target), seed",
        1000,
        20,
        _REGRESSION_DEFAULTS,
    ),
)
BUILTIN_DATASETS: dict[str, BuiltinInfo] = {info.name: info for info in _BUILTINS}


def _sklearn_frame(name: str) -> pd.DataFrame:
    from sklearn import datasets as skd

    loaders: dict[str, Callable[..., Any]] = {
        "iris": skd.load_iris,
        "wine": skd.load_wine,
        "breast_cancer": skd.load_breast_cancer,
        "digits": skd.load_digits,
        "diabetes": skd.load_diabetes,
    }
    bunch = loaders[name](as_frame=True)
    frame = bunch.frame.copy()
    if frame.columns[-1] != TARGET:  # every bundled set names its target "target"; keep it so
        frame = frame.rename(columns={frame.columns[-1]: TARGET})
    return frame


def _check_int(name: str, option: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise DatasetError(
            f"builtin dataset {name!r}: option {option} must be an integer, got {value!r}"
        )
    if not low <= int(value) <= high:
        raise DatasetError(
            f"builtin dataset {name!r}: option {option}={value} is out of range; "
            f"valid: {low} to {high}"
        )
    return int(value)


def _check_float(name: str, option: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise DatasetError(
            f"builtin dataset {name!r}: option {option} must be a number, got {value!r}"
        )
    if not (low <= float(value) <= high):
        raise DatasetError(
            f"builtin dataset {name!r}: option {option}={value} is out of range; "
            f"valid: {low:g} to {high:g}"
        )
    return float(value)


def _check_size(name: str, n_samples: int, n_features: int) -> None:
    """Each option is bounded on its own; their product must fit ``MAX_SYNTHETIC_BYTES``."""
    n_bytes = n_samples * (n_features + 1) * BYTES_PER_VALUE
    if n_bytes <= MAX_SYNTHETIC_BYTES:
        return
    most_rows = MAX_SYNTHETIC_BYTES // ((n_features + 1) * BYTES_PER_VALUE)
    raise DatasetError(
        f"builtin dataset {name!r}: n_samples={n_samples} with n_features={n_features} would "
        f"hold {size_text(n_bytes)} ({n_samples:,} rows × {n_features + 1:,} columns × "
        f"{BYTES_PER_VALUE} bytes); valid: n_samples × (n_features + 1) × {BYTES_PER_VALUE} "
        f"at most {size_text(MAX_SYNTHETIC_BYTES)}, e.g. n_samples up to {most_rows:,} with "
        f"n_features={n_features}"
    )


def _validated_options(name: str, opts: Mapping[str, Any]) -> dict[str, Any]:
    """Check a synthetic generator's options and return them as plain ints and floats."""
    n_features = _check_int(name, "n_features", opts["n_features"], 1, MAX_COLUMNS - 1)
    out: dict[str, Any] = {
        "n_samples": _check_int(name, "n_samples", opts["n_samples"], 10, 5_000_000),
        "n_features": n_features,
        "n_informative": _check_int(name, "n_informative", opts["n_informative"], 1, n_features),
        "seed": _check_int(name, "seed", opts["seed"], 0, 2**32 - 1),
    }
    _check_size(name, out["n_samples"], n_features)
    if name == "synthetic_regression":
        out["noise"] = _check_float(name, "noise", opts["noise"], 0.0, 1e6)
        return out
    out["n_classes"] = _check_int(name, "n_classes", opts["n_classes"], 2, 100)
    out["class_sep"] = _check_float(name, "class_sep", opts["class_sep"], 0.0, 100.0)
    out["noise"] = _check_float(name, "noise", opts["noise"], 0.0, 1.0)
    # make_classification puts each class on its own vertex of the informative hypercube
    if out["n_classes"] > 2 ** out["n_informative"]:
        raise DatasetError(
            f"builtin dataset {name!r}: n_classes={out['n_classes']} needs n_informative >= "
            f"{int(np.ceil(np.log2(out['n_classes'])))} (got {out['n_informative']})"
        )
    if out["n_samples"] < 2 * out["n_classes"]:
        raise DatasetError(
            f"builtin dataset {name!r}: n_samples={out['n_samples']} is too small for "
            f"n_classes={out['n_classes']}; valid: n_samples >= {2 * out['n_classes']}"
        )
    return out


def _feature_names(n_features: int) -> list[str]:
    width = len(str(n_features - 1))
    return [f"feature_{i:0{width}d}" for i in range(n_features)]


def _synthetic_classification(opts: Mapping[str, Any]) -> pd.DataFrame:
    from sklearn.datasets import make_classification

    n_features, n_informative = opts["n_features"], opts["n_informative"]
    x, y = make_classification(
        n_samples=opts["n_samples"],
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=min(2, n_features - n_informative),
        n_repeated=0,
        n_classes=opts["n_classes"],
        n_clusters_per_class=1,
        class_sep=opts["class_sep"],
        flip_y=opts["noise"],
        random_state=opts["seed"],
    )
    frame = pd.DataFrame(x, columns=_feature_names(n_features))
    frame[TARGET] = y.astype(np.int64)
    return frame


def _synthetic_regression(opts: Mapping[str, Any]) -> pd.DataFrame:
    from sklearn.datasets import make_regression

    x, y = make_regression(
        n_samples=opts["n_samples"],
        n_features=opts["n_features"],
        n_informative=opts["n_informative"],
        noise=opts["noise"],
        random_state=opts["seed"],
    )
    frame = pd.DataFrame(x, columns=_feature_names(opts["n_features"]))
    frame[TARGET] = y
    return frame


def builtin_sha256(name: str, options: Mapping[str, Any], frame: pd.DataFrame) -> str:
    """Hash a builtin's options, column names, dtypes and values in a fixed byte layout."""
    digest = hashlib.sha256()
    header = {
        "format": _HASH_FORMAT,
        "name": name,
        "options": {k: options[k] for k in sorted(options)},
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "rows": len(frame),
    }
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for column in frame.columns:
        values = np.ascontiguousarray(frame[column].to_numpy())
        digest.update(values.astype(values.dtype.newbyteorder("<")).tobytes())
    return digest.hexdigest()


def load_builtin(name: str, **options: Any) -> LoadedDataset:
    """Load a bundled dataset by name.

    Args:
        name: One of ``BUILTIN_DATASETS``.
        **options: Only for the synthetic generators; see ``BUILTIN_DATASETS[name].defaults``.

    Returns:
        The dataset with a ``"target"`` column; ``sha256`` is the same for the same name and
        options on every machine.

    Raises:
        DatasetError: Unknown name, unknown option, or an option out of range.
    """
    info = BUILTIN_DATASETS.get(name)
    if info is None:
        raise DatasetError(
            f"unknown builtin dataset {name!r}; valid: {', '.join(BUILTIN_DATASETS)}"
        )
    unknown = sorted(set(options) - set(info.defaults))
    if unknown:
        valid = ", ".join(info.defaults) if info.defaults else "none (it takes no options)"
        raise DatasetError(
            f"builtin dataset {name!r} has no option {', '.join(unknown)}; valid options: {valid}"
        )
    resolved: dict[str, Any] = {}
    if name == "synthetic_classification":
        resolved = _validated_options(name, {**info.defaults, **options})
        frame = _synthetic_classification(resolved)
    elif name == "synthetic_regression":
        resolved = _validated_options(name, {**info.defaults, **options})
        frame = _synthetic_regression(resolved)
    else:
        frame = _sklearn_frame(name)
    return LoadedDataset(
        name=name,
        frame=frame,
        target=TARGET,
        task=info.task,
        sha256=builtin_sha256(name, resolved, frame),
        source="builtin",
        path=None,
    )
