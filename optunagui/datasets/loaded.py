"""The loaded form of every dataset, bundled or from a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LoadedDataset"]


@dataclass
class LoadedDataset:
    """A dataset ready for feature preparation.

    Attributes:
        name: The builtin's name, or the file's stem.
        frame: Feature columns plus the target column.
        target: Name of the target column in ``frame``.
        task: ``"classification"`` or ``"regression"``.
        sha256: Hex digest of the file's bytes; for builtins, of a canonical serialisation of
            the generated frame and its options (stable across processes).
        source: ``"builtin"`` or ``"file"``.
        path: The file's path, ``None`` for builtins.
    """

    name: str
    frame: pd.DataFrame
    target: str
    task: str
    sha256: str
    source: str
    path: str | None = None

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def feature_columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns if c != self.target]
