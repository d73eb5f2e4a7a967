"""Server-side sessions and password changes in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from optunagui.accounts import (
    CLI_USERNAME,
    change_password,
    has_password,
    hash_password,
    reset_password,
    verify_password,
)
from optunagui.store import (
    Database,
    User,
    create_user,
    get_user,
    get_user_by_name,
    set_user_active,
    update_user,
)
from optunagui.store.user_sessions import (
    count_user_sessions,
    create_user_session,
    end_user_session,
    end_user_sessions,
    get_session_user,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_a_session_finds_its_user_until_its_absolute_expiry(db: Database, owner: User) -> None:
    with db.session() as session:
        key = create_user_session(session, owner.id, 14 * DAY, now=T0)
    with db.session() as session:
        assert get_session_user(session, key, now=T0 + 13 * DAY).id == owner.id
        assert get_session_user(session, key, now=T0 + 14 * DAY) is None
        assert get_session_user(session, key + "x", now=T0) is None
        assert get_session_user(session, "", now=T0) is None


def test_only_the_digest_of_a_session_key_is_stored(db: Database, owner: User) -> None:
    with db.session() as session:
        key = create_user_session(session, owner.id, DAY, now=T0)
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT key_hash FROM user_sessions").all()
    assert len(rows) == 1 and rows[0][0] != key and len(rows[0][0]) == 64


def test_ending_one_session_leaves_the_others(db: Database, owner: User) -> None:
    with db.session() as session:
        first = create_user_session(session, owner.id, DAY, now=T0)
        second = create_user_session(session, owner.id, DAY, now=T0)
    with db.session() as session:
        assert end_user_session(session, first)
        assert not end_user_session(session, first)
    with db.session() as session:
        assert get_session_user(session, first, now=T0) is None
        assert get_session_user(session, second, now=T0).id == owner.id


def test_ending_a_users_sessions_can_keep_one(db: Database, owner: User) -> None:
    with db.session() as session:
        other = create_user(session, "bob", "h")
        keep, lose = (create_user_session(session, owner.id, DAY, now=T0) for _ in range(2))
        bobs = create_user_session(session, other.id, DAY, now=T0)
    with db.session() as session:
        assert end_user_sessions(session, owner.id, keep=keep) == 1
    with db.session() as session:
        assert get_session_user(session, keep, now=T0).id == owner.id
        assert get_session_user(session, lose, now=T0) is None
        assert get_session_user(session, bobs, now=T0).id == other.id


def test_a_new_session_clears_the_users_expired_ones(db: Database, owner: User) -> None:
    with db.session() as session:
        create_user_session(session, owner.id, DAY, now=T0)
        create_user_session(session, owner.id, DAY, now=T0 + 2 * DAY)
    with db.engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT COUNT(*) FROM user_sessions").scalar()
    assert count == 1


def test_disabling_a_user_ends_their_sessions_for_good(db: Database, owner: User) -> None:
    with db.session() as session:
        key = create_user_session(session, owner.id, DAY, now=T0)
        set_user_active(session, owner.id, False)
    with db.session() as session:
        set_user_active(session, owner.id, True)  # enabled again: the old cookie stays dead
    with db.session() as session:
        assert get_session_user(session, key, now=T0) is None
        assert count_user_sessions(session, owner.id, now=T0) == 0


def test_a_new_password_hash_ends_the_sessions(db: Database, owner: User) -> None:
    with db.session() as session:
        key = create_user_session(session, owner.id, DAY, now=T0)
        update_user(session, owner.id, password_hash="another")
    with db.session() as session:
        assert get_session_user(session, key, now=T0) is None


def test_deleting_a_user_row_deletes_their_sessions(db: Database, owner: User) -> None:
    assert "user_sessions" in inspect(db.engine).get_table_names()
    fks = inspect(db.engine).get_foreign_keys("user_sessions")
    assert [(fk["referred_table"], fk["options"].get("ondelete")) for fk in fks] == [
        ("users", "CASCADE")
    ]


def test_change_password_needs_the_current_one_and_keeps_one_session(
    db: Database, owner: User
) -> None:
    with db.session() as session:
        get_user(session, owner.id).password_hash = hash_password("old password")
        here, elsewhere = (create_user_session(session, owner.id, DAY, now=T0) for _ in range(2))
    with db.session() as session:
        wrong = change_password(session, owner.id, "new password!", current_password="nope")
        short = change_password(session, owner.id, "short", current_password="old password")
        missing = change_password(session, owner.id, "new password!", current_password="")
    assert wrong == "The current password is wrong."
    assert short == "A password needs 8 to 1024 characters."
    assert missing == "Enter your current password."
    with db.session() as session:
        assert get_session_user(session, elsewhere, now=T0) is not None  # nothing changed
        assert change_password(session, owner.id, "new password!", current_password="old password",
                               keep_session=here) is None
    with db.session() as session:
        user = get_user(session, owner.id)
        assert verify_password(user.password_hash, "new password!")
        assert not user.must_change_password
        assert get_session_user(session, here, now=T0).id == owner.id
        assert get_session_user(session, elsewhere, now=T0) is None


def test_reset_password_is_temporary_and_ends_every_session(db: Database, owner: User) -> None:
    with db.session() as session:
        key = create_user_session(session, owner.id, DAY, now=T0)
        temporary, problem = reset_password(session, owner.id)
    assert problem is None and temporary
    with db.session() as session:
        user = get_user(session, owner.id)
        assert user.must_change_password and verify_password(user.password_hash, temporary)
        assert get_session_user(session, key, now=T0) is None


def test_the_command_line_account_gets_no_password(db: Database) -> None:
    with db.session() as session:
        cli = create_user(session, CLI_USERNAME, "!")
        assert change_password(session, cli.id, "a long password") is not None
        assert reset_password(session, cli.id)[0] is None
        assert get_user(session, cli.id).password_hash == "!"


@pytest.mark.parametrize(
    ("stored", "usable"),
    [(None, False), ("", False), ("!", False), ("hash-ada", False), (hash_password("x"), True)],
)
def test_has_password_tells_a_hash_from_no_password(stored, usable) -> None:
    assert has_password(stored) is usable


def test_migration_0010_keeps_existing_users_and_goes_back(database_url: str) -> None:
    from alembic import command

    from optunagui.migrations import build_config

    database = Database(database_url)
    try:
        database.upgrade("0009_api_writes")
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO users (username, password_hash, is_admin, is_active, created_at) "
                "VALUES ('old', 'h', false, true, '2026-01-01 00:00:00+00:00')")
        database.upgrade()
        with database.session() as session:
            user = get_user_by_name(session, "old")
            assert user is not None and user.must_change_password is False
            create_user_session(session, user.id, DAY)
        with database.engine.begin() as connection:
            config = build_config(database.url)
            config.attributes["connection"] = connection
            command.downgrade(config, "0009_api_writes")
        tables = inspect(database.engine)
        assert "user_sessions" not in tables.get_table_names()
        assert "must_change_password" not in {c["name"] for c in tables.get_columns("users")}
    finally:
        database.dispose()
