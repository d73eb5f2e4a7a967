"""One database: the engine, the transaction helper, migrations and Optuna's storage on the URL."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from optunagui.config import PRIVATE_FILE_MODE, make_private_dir
from optunagui.store.errors import Conflict, StoreError

if TYPE_CHECKING:
    import optuna

__all__ = ["SQLITE_BUSY_TIMEOUT_S", "Database"]

SQLITE_BUSY_TIMEOUT_S = 30.0
_READ_ONLY = "optunagui_read_only"
# Serialises concurrent `upgrade()` calls on PostgreSQL (two processes starting at once).
_MIGRATION_LOCK_KEY = zlib.crc32(b"optunagui-migrations")
_log = logging.getLogger(__name__)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file empty and readable by its user only (0600), in a folder made
    0700 when it is new; SQLite gives its ``-wal`` and ``-shm`` files the same mode. A file
    that exists keeps its mode, with a warning when others may read it."""
    make_private_dir(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            _log.warning("the database file %s can be read by other users (mode %o); it "
                         "holds password hashes: chmod 600 it unless that is meant", path, mode)
        return
    os.close(descriptor)
    os.chmod(path, PRIVATE_FILE_MODE)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # The driver's own implicit transactions commit on RELEASE SAVEPOINT and skip reads;
    # we issue BEGIN ourselves instead (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to the busy timeout): a transaction
    # that reads and then writes cannot fail half-way because another writer got in between.
    # WAL keeps Optuna's and other processes' plain readers unblocked. A read session
    # (Database.read_session) begins DEFERRED: it takes no lock, WAL gives it a snapshot.
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def translate_error(error: SQLAlchemyError) -> StoreError:
    """Turn a SQLAlchemy/driver error into the store's own error, keeping the driver's words."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    if isinstance(error, IntegrityError):
        return Conflict(f"the change clashes with existing data: {detail}")
    if isinstance(error, OperationalError):
        return StoreError(f"the database could not be used: {detail}")
    return StoreError(f"database error: {detail}")


class Database:
    """The product's database on one URL (SQLite file or PostgreSQL).

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:////data/optunagui.db`` or
            ``postgresql+psycopg://user@host/db``. A new SQLite file, and its folder, are
            created readable by their user only.
        echo: log every statement (debugging).
    """

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url: URL = make_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if _is_sqlite(self.url):
            if not _is_memory(self.url):
                _prepare_sqlite_file(Path(self.url.database or "").expanduser())
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if _is_sqlite(self.url):
            event.listen(self.engine, "connect", _set_sqlite_pragmas)
            event.listen(self.engine, "begin", _begin_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

    @property
    def is_sqlite(self) -> bool:
        return _is_sqlite(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back on any error, always closes.

        Objects loaded inside stay readable after the block (they are not expired on commit).

        Raises:
            StoreError: (or its subclasses, e.g. Conflict) for any SQLAlchemy/driver error.
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except StoreError:
            raise
        except SQLAlchemyError as error:
            raise translate_error(error) from error

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A transaction that only reads, as ``session()`` otherwise.

        On SQLite it takes no lock (``session()`` takes the write lock up front), so a long
        read (a large run's page) makes neither other readers nor the writer wait, and reads
        one snapshot from its first statement. A write inside may fail as locked.
        """
        try:
            with self._read_sessions.begin() as session:
                yield session
        except StoreError:
            raise
        except SQLAlchemyError as error:
            raise translate_error(error) from error

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the product's tables to `revision` (Alembic); a no-op when already there."""
        from alembic import command

        from optunagui.migrations import build_config

        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                config = build_config(self.url)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        except SQLAlchemyError as error:
            raise translate_error(error) from error

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at (None for a database never migrated)."""
        from alembic.migration import MigrationContext

        from optunagui.migrations import VERSION_TABLE

        try:
            with self.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"version_table": VERSION_TABLE}
                )
                return context.get_current_revision()
        except SQLAlchemyError as error:
            raise translate_error(error) from error

    def head_revision(self) -> str | None:
        """The newest revision the installed code knows."""
        from alembic.script import ScriptDirectory

        from optunagui.migrations import build_config

        return ScriptDirectory.from_config(build_config(self.url)).get_current_head()

    def optuna_storage(self, **kwargs: Any) -> optuna.storages.RDBStorage:
        """Optuna's RDB storage on the same database (Optuna creates and owns its own tables).

        Keyword arguments go to `optuna.storages.RDBStorage` (e.g. heartbeat_interval).
        """
        import optuna

        engine_kwargs: dict[str, Any]
        if self.is_sqlite:
            engine_kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}}
        else:
            engine_kwargs = {"pool_pre_ping": True}
        return optuna.storages.RDBStorage(
            self.url.render_as_string(hide_password=False), engine_kwargs=engine_kwargs, **kwargs
        )

    def dispose(self) -> None:
        """Close every pooled connection (tests, forked workers)."""
        self.engine.dispose()
