"""A driver's last words when the database is away: retried until it answers.

A database server that restarts refuses new connections for a while: the driver's and its
trials' connections wait for it (`wait_for_server_on_connect`). A run whose experiment
ended (or broke) still has to write its last events and its status;
with the database server restarting or its disk full, those writes fail for a while. They
are tried again until the database takes them, so a run never stays "running" with no
driver behind it, and its reason names the database's problem, not a SQL statement.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optuna.exceptions import StorageInternalError
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from optunagui.store.db import translate_error
from optunagui.store.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["CONNECT_WAIT_S", "DATABASE_ERRORS", "DATABASE_WAIT_S", "failure_reason",
           "wait_for_server_on_connect", "write_when_database_answers"]

logger = logging.getLogger(__name__)

# How long a driver whose run has ended waits for the database to take its last words.
DATABASE_WAIT_S = 600.0
# What a write raises while the database is away (Optuna's storage wraps SQLAlchemy's).
DATABASE_ERRORS = (StoreError, SQLAlchemyError, StorageInternalError)
# How long a new connection waits for a database server that is away (restarting).
CONNECT_WAIT_S = 120.0


def wait_for_server_on_connect(engine: Engine, timeout_s: float = CONNECT_WAIT_S,
                               every_s: float = 1.0) -> Engine:
    """Make `engine`'s new connections wait for a database server that refuses them (down,
    shutting down, starting up) for up to `timeout_s`, instead of failing the run.

    With ``pool_pre_ping`` a pooled connection the restart broke is replaced by a new one,
    which then waits here: the driver and its trials go on once the server is back. SQLite
    (a file, no server) is left as it is.
    """
    if engine.dialect.name == "sqlite":
        return engine

    def connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        deadline = time.monotonic() + timeout_s
        warned = False
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError as error:
                if time.monotonic() >= deadline:
                    raise
                if not warned:
                    logger.warning("the database server refuses connections (%s); waiting "
                                   "for it (at most %.0f s)", str(error).splitlines()[0],
                                   timeout_s)
                    warned = True
                time.sleep(every_s)

    event.listen(engine, "do_connect", connect)
    return engine


def failure_reason(error: BaseException) -> str:
    """A failed run's reason: for a database error (even one Tune wrapped), the database's
    own words without the SQL; else the error's type and message."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, SQLAlchemyError):
            return str(translate_error(cause))
        if isinstance(cause, StoreError):
            return str(cause)
        cause = cause.__cause__
    return f"{type(error).__name__}: {error}"


def write_when_database_answers(
    write: Callable[[], object], run_id: int, what: str,
    timeout_s: float = DATABASE_WAIT_S, every_s: float = 1.0,
) -> bool:
    """Call `write` until the database takes it or `timeout_s` has passed; True if written.

    `write` fails by raising a database error (ours, SQLAlchemy's or Optuna's storage's),
    or by returning False (the event sink's flush, which keeps what it could not write).
    """
    deadline = time.monotonic() + timeout_s
    warned = False
    while True:
        try:
            if write() is not False:
                if warned:
                    logger.warning("run %s: wrote %s once the database answered", run_id, what)
                return True
            problem = "the database refused it"
        except DATABASE_ERRORS as error:
            problem = str(error).splitlines()[0]
        except Exception:
            logger.exception("run %s: could not write %s", run_id, what)
            return False
        if time.monotonic() >= deadline:
            logger.error("run %s: gave up writing %s after %.0f s: %s", run_id, what,
                         timeout_s, problem)
            return False
        if not warned:
            logger.warning("run %s: could not write %s (%s); trying again until the database "
                           "answers (at most %.0f s)", run_id, what, problem, timeout_s)
            warned = True
        time.sleep(every_s)
