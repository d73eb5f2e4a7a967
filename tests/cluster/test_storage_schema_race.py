"""Drivers that start at once on a fresh PostgreSQL database (two submitters' first runs) each
create Optuna's storage, whose first creation makes Optuna's tables and enum types: without a
lock the second failed on `CREATE TYPE studydirection` (the type already exists) and its run
with it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from cluster.driver.search import build_storage
from optunagui.store import Database
from tests.conftest import _fresh_postgres_schema

pytestmark = pytest.mark.postgres

DRIVERS = 4


@pytest.fixture
def empty_postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _fresh_postgres_schema(request)


def test_drivers_starting_at_once_all_get_the_storage(empty_postgres_url):
    databases = [Database(empty_postgres_url) for _ in range(DRIVERS)]
    start = threading.Barrier(DRIVERS)
    errors: list[BaseException] = []

    def start_driver(database: Database) -> None:
        start.wait()
        try:
            build_storage(database).engine.dispose()
        except Exception as error:  # noqa: BLE001  (collected for the assertion)
            errors.append(error)

    threads = [threading.Thread(target=start_driver, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for database in databases:
        database.dispose()
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
