from __future__ import annotations

import pytest

from optunagui.store import (
    Conflict,
    Database,
    NotFound,
    create_user,
    get_user,
    get_user_by_name,
    list_users,
    set_user_active,
    update_user,
)


def test_create_user_then_get_by_id_and_name(db: Database) -> None:
    with db.session() as session:
        user = create_user(session, "  grace ", "h1", is_admin=True)
    with db.session() as session:
        assert get_user(session, user.id).username == "grace"
        found = get_user_by_name(session, "grace")
        assert found.id == user.id and found.is_admin and found.is_active
        assert found.created_at.tzinfo is not None
        assert get_user(session, 999_999) is None
        assert get_user_by_name(session, "nobody") is None


def test_create_user_duplicate_username_is_a_conflict(db: Database) -> None:
    with db.session() as session:
        create_user(session, "ada", "h")
    with pytest.raises(Conflict, match="'ada' is already taken"):
        with db.session() as session:
            create_user(session, "ada", "other")
    with db.session() as session:
        assert [u.username for u in list_users(session)] == ["ada"]


def test_create_user_conflict_keeps_transaction_usable(db: Database) -> None:
    with db.session() as session:
        create_user(session, "ada", "h")
        with pytest.raises(Conflict):
            create_user(session, "ada", "h")
        create_user(session, "bob", "h")
    with db.session() as session:
        assert [u.username for u in list_users(session)] == ["ada", "bob"]


@pytest.mark.parametrize(("username", "password_hash"), [("", "h"), ("   ", "h"), ("x" * 65, "h"),
                                                          ("ok", "")])
def test_create_user_rejects_bad_input(db: Database, username: str, password_hash: str) -> None:
    with db.session() as session, pytest.raises(ValueError):
        create_user(session, username, password_hash)


def test_set_user_active_filters_list_and_unknown_raises(db: Database) -> None:
    with db.session() as session:
        ada = create_user(session, "ada", "h")
        create_user(session, "bob", "h")
        set_user_active(session, ada.id, False)
        assert [u.username for u in list_users(session, include_inactive=False)] == ["bob"]
        assert len(list_users(session)) == 2
        with pytest.raises(NotFound):
            set_user_active(session, 424242, True)


def test_update_user_changes_hash_and_admin(db: Database) -> None:
    with db.session() as session:
        ada = create_user(session, "ada", "old")
        update_user(session, ada.id, password_hash="new", is_admin=True)
    with db.session() as session:
        again = get_user(session, ada.id)
        assert (again.password_hash, again.is_admin) == ("new", True)
        with pytest.raises(NotFound):
            update_user(session, 424242, is_admin=True)
