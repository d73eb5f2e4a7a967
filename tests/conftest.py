"""Shared fixtures: settings on a temporary data directory, a migrated database per backend
and its first user.

`database_url` runs a test on SQLite and on PostgreSQL. PostgreSQL gets one fresh database per
test session (og_test_<random>, dropped at the end) and one fresh schema per test inside it,
so parallel runs never see each other's rows. Set OPTUNAGUI_TEST_POSTGRES_URL to point at
another server (default postgresql+psycopg://postgres@127.0.0.1:5432/test); the PostgreSQL
half is skipped, with the reason, only when that server cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from optunagui.config import Settings, load_settings
from optunagui.store import Database, User, create_user

POSTGRES_ADMIN_URL = os.environ.get(
    "OPTUNAGUI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_SETTINGS_ENV = ("OPTUNAGUI_DATA_DIR", "OPTUNAGUI_DATABASE_URL", "OPTUNAGUI_SECRET_KEY")


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh data directory with a SQLite database; the env vars are set too."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("OPTUNAGUI_DATA_DIR", str(data_dir))
    monkeypatch.setenv("OPTUNAGUI_DATABASE_URL", f"sqlite:///{data_dir / 'optunagui.db'}")
    monkeypatch.setenv("OPTUNAGUI_SECRET_KEY", "test-secret-key-" + uuid.uuid4().hex)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    return load_settings()


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped afterwards)."""
    admin_url = make_url(POSTGRES_ADMIN_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"og_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        reason = str(error.orig or error).strip().splitlines()[0]
        pytest.skip(f"PostgreSQL at {admin_url.host}:{admin_url.port} unreachable: {reason}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fresh_postgres_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    base_url = request.getfixturevalue("postgres_database_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # Every connection made with this URL (ours, Optuna's) lands in the schema.
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite (a file under tmp_path) and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'optunagui.db'}"
    else:
        yield from _fresh_postgres_schema(request)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "optunagui.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()
    return path


@pytest.fixture
def db(request: pytest.FixtureRequest, database_url: str) -> Iterator[Database]:
    """A Database migrated to head, on each backend of `database_url`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        target = Path(url.database or "")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
    database = Database(database_url)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def owner(db: Database) -> User:
    """The user "ada", on each backend of `db`."""
    with db.session() as session:
        return create_user(session, "ada", "hash-ada")
