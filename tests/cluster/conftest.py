"""One local Ray for the whole test session, and helpers to create runs in a test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

RAY_TEST_CPUS = 2
RAY_TEST_GPUS = 2


@pytest.fixture(scope="session")
def ray_local() -> Iterator[Any]:
    """A local Ray with 2 CPUs and 2 declared GPUs (placement only; no CUDA needed).

    Started once per session on a random port (never 6379, where Redis listens here), without
    the dashboard. Yields the ``ray`` module.
    """
    import ray

    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    started = not ray.is_initialized()
    if started:
        ray.init(
            num_cpus=RAY_TEST_CPUS,
            num_gpus=RAY_TEST_GPUS,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


@pytest.fixture
def sqlite_db(tmp_settings: Any) -> Iterator[Any]:
    """A migrated SQLite database in the test's data directory (the driver's default)."""
    from optunagui.store import Database

    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield database
    database.dispose()
