"""The registry of model families, looked up by their spec name."""

from __future__ import annotations

from . import _lightgbm, _mlp, _svm, _xgboost
from ._base import ModelDef
from ._forests import EXTRA_TREES, HIST_GRADIENT_BOOSTING, RANDOM_FOREST
from ._linear import ELASTIC_NET, LOGISTIC_REGRESSION, RIDGE

_MODELS: dict[str, ModelDef] = {
    m.name: m
    for m in (
        _lightgbm.MODEL,
        _xgboost.MODEL,
        RANDOM_FOREST,
        EXTRA_TREES,
        HIST_GRADIENT_BOOSTING,
        LOGISTIC_REGRESSION,
        RIDGE,
        ELASTIC_NET,
        _svm.MODEL,
        _mlp.MODEL,
    )
}


class UnknownModelError(KeyError):
    """Raised for a model name that is not registered; the message lists the valid names."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.valid = sorted(_MODELS)
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown model {self.name!r}; valid models: {', '.join(self.valid)}"


def get_model(name: str) -> ModelDef:
    """The model family registered as ``name``.

    Raises:
        UnknownModelError: no family has that name.
    """
    try:
        return _MODELS[name]
    except (KeyError, TypeError):
        raise UnknownModelError(name) from None


def list_models() -> list[ModelDef]:
    """Every registered model family, in a stable order (boosting, trees, linear, svm, mlp)."""
    return list(_MODELS.values())
