"""External Optuna storages for the follower's tests: a SQLite file, or a PostgreSQL database
of its own (so it can be closed to connections and opened again while the product's database
stays up), and the product's database on the same backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from optunagui.store import Database


@dataclass
class Pair:
    backend: str
    db: Database
    database_url: str
    external_url: str
    admin_url: str | None = None
    external_name: str | None = None

    def close_external(self) -> None:
        """The external database refuses connections and drops the ones it has."""
        self._admin(f'ALTER DATABASE "{self.external_name}" ALLOW_CONNECTIONS false')
        self._admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.external_name}' AND pid <> pg_backend_pid()")

    def open_external(self) -> None:
        self._admin(f'ALTER DATABASE "{self.external_name}" ALLOW_CONNECTIONS true')

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.admin_url or "", isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'optunagui.db'}"
        (tmp_path / "db").mkdir(parents=True, exist_ok=True)
        database = Database(url)
        database.upgrade()
        try:
            yield Pair("sqlite", database, url, f"sqlite:///{tmp_path / 'study.db'}")
        finally:
            database.dispose()
        return
    from tests.conftest import POSTGRES_ADMIN_URL

    product_url = request.getfixturevalue("postgres_database_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_ADMIN_URL)
    ext_name = f"og_ext_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{ext_name}"'))
    product_engine = create_engine(product_url, isolation_level="AUTOCOMMIT")
    with product_engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{product_url}?options=-csearch_path%3D{schema}"
    database = Database(url)
    database.upgrade()
    admin_text = admin.render_as_string(hide_password=False)
    try:
        yield Pair("postgresql", database, url,
                   admin.set(database=ext_name).render_as_string(hide_password=False),
                   admin_text, ext_name)
    finally:
        database.dispose()
        with product_engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        product_engine.dispose()
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{ext_name}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{ext_name}" WITH (FORCE)'))
        engine.dispose()
