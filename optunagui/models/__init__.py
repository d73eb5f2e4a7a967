"""Model families and their search-space presets.

``get_model(name)`` returns a :class:`ModelDef` (tasks, presets, ``build``, ``fit_steps``);
``list_models()`` returns them all. Importing this package is cheap: the estimator
libraries (scikit-learn, LightGBM, XGBoost, PyTorch) load on first ``build``.
"""

from __future__ import annotations

from typing import Any

from ._base import ModelDef
from ._registry import UnknownModelError, get_model, list_models

__all__ = [
    "ModelDef",
    "TorchMLPClassifier",
    "TorchMLPRegressor",
    "UnknownModelError",
    "get_model",
    "list_models",
]


def __getattr__(name: str) -> Any:
    if name in ("TorchMLPClassifier", "TorchMLPRegressor"):
        from . import _torch_mlp

        return getattr(_torch_mlp, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
