"""The run's prepared data, for a code run whose spec names a dataset.

A code run may keep the wizard's data setup (dataset, features, split) and tune its own
model on it::

    from optunagui.run_data import prepared_data

    def objective(trial):
        data = prepared_data()          # X_train, y_train, folds, X_test, y_test, task ...
        for train_idx, valid_idx in data.folds: ...

The data is loaded and split once per run by the driver and read by every trial from Ray's
object store. Outside a product run (plain ``study.optimize``) there is none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optunagui.objective import PreparedData

__all__ = ["prepared_data", "providing"]

_current: list[PreparedData] = []


def prepared_data() -> PreparedData:
    """The prepared data of the run this trial belongs to.

    Raises:
        RuntimeError: outside a product run, or in a run whose spec names no dataset.
    """
    if not _current:
        raise RuntimeError(
            "prepared_data() gives the data of a product run whose spec names a dataset "
            "(dataset, features, split); this run has none. Load your data in setup, or add "
            "a dataset to the spec.")
    return _current[-1]


@contextmanager
def providing(data: PreparedData | None) -> Iterator[None]:
    """Make `data` what `prepared_data()` returns while a trial runs."""
    if data is None:
        yield
        return
    _current.append(data)
    try:
        yield
    finally:
        _current.pop()
