"""Read sessions: a long read takes no lock, so it neither waits for a writer nor holds one up."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from optunagui.store import Database, StoreError, User, create_user


def _count_users(db: Database) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_read_session_reads_while_a_writer_holds_its_transaction(db: Database) -> None:
    with db.session() as session:
        create_user(session, "before", "h")
    seen: list[int] = []
    with db.session() as writer:  # on SQLite: holds the write lock until the block ends
        create_user(writer, "pending", "h")
        writer.flush()
        reader = threading.Thread(target=lambda: seen.append(_count_users(db)))
        reader.start()
        reader.join(5)
        assert not reader.is_alive(), "the read waited for the writer"
    assert seen == [1]  # the committed state only
    assert _count_users(db) == 2


def test_read_session_lets_a_writer_commit_while_it_reads(db: Database) -> None:
    wrote: list[str] = []

    def write() -> None:
        with db.session() as session:
            wrote.append(create_user(session, "during", "h").username)

    with db.read_session() as session:
        before = session.scalar(select(func.count()).select_from(User))
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(5)
        assert not writer.is_alive(), "the writer waited for the read"
        if db.is_sqlite:  # one snapshot from its first read (PostgreSQL: READ COMMITTED)
            assert session.scalar(select(func.count()).select_from(User)) == before
    assert wrote == ["during"] and _count_users(db) == before + 1


def test_read_session_turns_database_errors_into_store_errors(db: Database) -> None:
    with pytest.raises(StoreError, match="no_such_table"), db.read_session() as session:
        session.execute(text("SELECT * FROM no_such_table"))
