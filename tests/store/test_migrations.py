from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from optunagui.migrations import VERSION_TABLE
from optunagui.store import Base, Database

OUR_TABLES = {
    "users",
    "experiments",
    "memberships",
    "runs",
    "run_trials",
    "trial_events",
    "dataset_versions",
    "notes",
    "model_versions",
}


def test_upgrade_creates_every_table_from_empty(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert database.current_revision() is None
        database.upgrade()
        tables = set(inspect(database.engine).get_table_names())
        assert OUR_TABLES <= tables
        assert VERSION_TABLE in tables
        assert "alembic_version" not in tables
        assert database.current_revision() == database.head_revision()
    finally:
        database.dispose()


def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    before = set(inspect(db.engine).get_table_names())
    db.upgrade()
    assert set(inspect(db.engine).get_table_names()) == before
    assert db.current_revision() == db.head_revision()


def test_migrations_match_the_tables(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "version_table": VERSION_TABLE,
                "include_name": lambda name, type_, _parents: (
                    type_ != "table" or name in Base.metadata.tables
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_database_creates_parent_folder_of_sqlite_file(tmp_path) -> None:
    path = tmp_path / "a" / "b" / "og.db"
    database = Database(f"sqlite:///{path}")
    try:
        database.upgrade()
        assert path.exists()
    finally:
        database.dispose()
