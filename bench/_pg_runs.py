"""The runs of ``bench._runs`` on PostgreSQL: written once into a template database kept on
the server (``og_bench_runs_v<version>_<sizes>``, the PostgreSQL twin of the cached SQLite
file), and copied into a fresh database for every bench (``CREATE DATABASE ... TEMPLATE``),
dropped afterwards."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from bench._runs import DATA_VERSION, _ensure_owner, _write_run, run_name
from optunagui.store import Database

__all__ = ["postgres_runs"]


def _exists(admin: Engine, name: str) -> bool:
    with admin.connect() as connection:
        return connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}) is not None


def _write_template(admin: Engine, admin_url: str, name: str, sizes: list[int]) -> None:
    partial = f"{name}_partial"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{partial}"'))
    db = Database(make_url(admin_url).set(database=partial).render_as_string(hide_password=False))
    try:
        db.upgrade()
        user_id, experiment_id = _ensure_owner(db)
        for n in sizes:
            print(f"writing the run {run_name(n)} ({n:,} trials) into PostgreSQL {name} ...",
                  flush=True)
            started = time.perf_counter()
            _write_run(db, experiment_id, user_id, run_name(n), n, seed=n)
            print(f"  written in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        db.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))


@contextmanager
def postgres_runs(admin_url: str, sizes: list[int]) -> Iterator[str]:
    """The URL of a fresh database holding a run of each size (and the bench's admin)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    template = f"og_bench_runs_v{DATA_VERSION}_" + "_".join(str(n) for n in sorted(sizes))
    fresh = f"og_bench_{uuid.uuid4().hex[:12]}"
    try:
        if not _exists(admin, template):
            _write_template(admin, admin_url, template, sorted(sizes))
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{fresh}" TEMPLATE "{template}"'))
        yield make_url(admin_url).set(database=fresh).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        admin.dispose()
