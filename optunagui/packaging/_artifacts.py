"""Writing a fitted pipeline so that it loads without optunagui: skops files, torch weights.

Scikit-learn, LightGBM and XGBoost pipelines are written whole with skops. The PyTorch MLP
is split: its preprocessing with skops, its weights with ``torch.save`` and its network shape
as plain JSON, which ``predict.py`` rebuilds. Column transforms defined in optunagui are
pointed at the same functions in a file shipped with the package.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer

__all__ = [
    "FUNCTIONS_FILE",
    "PackageError",
    "portable_copy",
    "save_pipeline",
    "sha256_of",
]

FUNCTIONS_MODULE = "og_package_functions"
FUNCTIONS_FILE = f"{FUNCTIONS_MODULE}.py"
_FUNCTIONS_SOURCE = Path(__file__).with_name("standalone_functions.py")


class PackageError(Exception):
    """A model that cannot be packaged, or a package that does not reproduce its model."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _functions_module() -> ModuleType:
    """The shipped functions, imported under the name the package's files use."""
    module = sys.modules.get(FUNCTIONS_MODULE)
    if module is None:
        spec = importlib.util.spec_from_file_location(FUNCTIONS_MODULE, _FUNCTIONS_SOURCE)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        sys.modules[FUNCTIONS_MODULE] = module
    return module


def _estimators_within(value: Any, seen: set[int]) -> list[BaseEstimator]:
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, BaseEstimator):
        found = [value]
        for attribute in vars(value).values():
            found += _estimators_within(attribute, seen)
        return found
    if isinstance(value, list | tuple):
        return [e for item in value for e in _estimators_within(item, seen)]
    if isinstance(value, dict):
        return [e for item in value.values() for e in _estimators_within(item, seen)]
    return []


def portable_copy(pipeline: Any) -> Any:
    """A copy of the fitted pipeline whose transforms call the package's own functions.

    Raises:
        PackageError: the pipeline calls an optunagui function the package does not carry.
    """
    portable = copy.deepcopy(pipeline)
    shipped = _functions_module()
    for estimator in _estimators_within(portable, set()):
        if not isinstance(estimator, FunctionTransformer):
            continue
        for attribute in ("func", "inverse_func"):
            function = getattr(estimator, attribute, None)
            if function is None or not getattr(function, "__module__", "").startswith("optunagui"):
                continue
            replacement = getattr(shipped, function.__name__, None)
            if replacement is None:
                raise PackageError(f"the pipeline calls {function.__module__}."
                                   f"{function.__name__}, which a package cannot carry")
            setattr(estimator, attribute, replacement)
    return portable


def _dump_skops(value: Any, path: Path) -> dict[str, Any]:
    import skops.io

    try:
        skops.io.dump(value, path)
    except Exception as error:  # skops names the type it cannot write
        path.unlink(missing_ok=True)
        raise PackageError(f"skops cannot save {type(value).__name__}: "
                           f"{type(error).__name__}: {error}") from None
    trusted = sorted(skops.io.get_untrusted_types(file=path))
    inner = [name for name in trusted if name.startswith("optunagui.")]
    if inner:
        path.unlink()
        raise PackageError(f"the model needs optunagui to load ({', '.join(inner)})")
    return {"file": path.name, "sha256": sha256_of(path), "trusted": trusted}


def _is_torch_mlp(estimator: Any) -> bool:
    return type(estimator).__module__ == "optunagui.models._torch_mlp"


def _torch_network(estimator: Any) -> dict[str, Any]:
    network: dict[str, Any] = {
        "n_inputs": int(estimator.n_features_in_),
        "n_outputs": int(estimator.n_outputs_),
        "n_layers": int(estimator.n_layers),
        "units": int(estimator.units),
        "activation": str(estimator.activation),
        "dropout": float(estimator.dropout),
    }
    if hasattr(estimator, "classes_"):
        network["classes"] = estimator.classes_.tolist()
    else:
        network["y_mean"], network["y_scale"] = float(estimator.y_mean_), float(estimator.y_scale_)
    return network


def save_pipeline(pipeline: Any, directory: Path) -> dict[str, Any]:
    """Write the fitted pipeline's files into ``directory``.

    Returns:
        The "artifact" entry of model.json: its format and, per file, name, SHA-256 and the
        types skops must be told to trust when loading it.
    """
    shutil.copyfile(_FUNCTIONS_SOURCE, directory / FUNCTIONS_FILE)
    portable = portable_copy(pipeline)
    estimator = portable.named_steps["model"]
    if not _is_torch_mlp(estimator):
        return {"format": "skops",
                "pipeline": _dump_skops(portable, directory / "pipeline.skops")}
    import torch

    weights = directory / "weights.pt"
    torch.save({k: v.detach().cpu() for k, v in estimator.module_.state_dict().items()},
               weights)
    return {
        "format": "torch-mlp",
        "preprocessor": _dump_skops(portable.named_steps["features"],
                                    directory / "preprocessor.skops"),
        "weights": {"file": weights.name, "sha256": sha256_of(weights)},
        "network": _torch_network(estimator),
    }
