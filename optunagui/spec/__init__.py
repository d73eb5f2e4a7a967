"""The run spec: its model (`model`), checks, file formats (`io`), search space (`space`) and
validation against the dataset and the model registry (`validation`)."""

from __future__ import annotations

from optunagui.spec import model as _model
from optunagui.spec.model import *  # noqa: F403  (the package's names are the model's)

__all__ = list(_model.__all__)
