from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits

from tests.models._data import DATASETS, TinyData


@pytest.fixture(autouse=True)
def _one_thread():
    """The test machine is shared: native thread pools (OpenMP, BLAS) use one thread."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(params=sorted(DATASETS))
def tiny(request: pytest.FixtureRequest) -> TinyData:
    return DATASETS[request.param]
