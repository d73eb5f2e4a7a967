"""Users: accounts that sign in (passwords arrive already hashed).

A password change and a disabled account end the user's dashboard sessions
(``optunagui.store.user_sessions``), so a copied cookie stops working.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.store._util import conflict_guard, require
from optunagui.store.errors import Conflict
from optunagui.store.tables import User
from optunagui.store.user_sessions import end_user_sessions

__all__ = [
    "MAX_USERNAME_LENGTH",
    "create_user",
    "get_user",
    "get_user_by_name",
    "list_users",
    "set_password",
    "set_user_active",
    "update_user",
]

MAX_USERNAME_LENGTH = 64


def _clean_username(username: str) -> str:
    cleaned = (username or "").strip()
    if not cleaned:
        raise ValueError("a username cannot be empty")
    if len(cleaned) > MAX_USERNAME_LENGTH:
        raise ValueError(f"a username has at most {MAX_USERNAME_LENGTH} characters")
    return cleaned


def create_user(
    session: Session, username: str, password_hash: str, *, is_admin: bool = False
) -> User:
    """Add a user.

    Raises:
        ValueError: empty or too long username, empty password hash.
        Conflict: the username is taken.
    """
    username = _clean_username(username)
    if not password_hash:
        raise ValueError("a user needs a password hash")
    message = f"the username {username!r} is already taken"
    if get_user_by_name(session, username) is not None:
        raise Conflict(message)
    user = User(username=username, password_hash=password_hash, is_admin=is_admin, is_active=True)
    with conflict_guard(session, message):
        session.add(user)
        session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def list_users(session: Session, *, include_inactive: bool = True) -> list[User]:
    """Every user by username."""
    query = select(User).order_by(User.username)
    if not include_inactive:
        query = query.where(User.is_active.is_(True))
    return list(session.scalars(query))


def set_user_active(session: Session, user_id: int, active: bool) -> User:
    """Enable or disable sign-in for a user (users are never deleted: runs keep their author).

    Raises:
        NotFound: no such user.
    """
    user = require(session, User, user_id, "user")
    user.is_active = active
    if not active:
        end_user_sessions(session, user_id)
    session.flush()
    return user


def set_password(
    session: Session,
    user_id: int,
    password_hash: str,
    *,
    must_change: bool = False,
    keep_session: str | None = None,
) -> User:
    """Give a user a new password hash and end their sessions.

    Args:
        must_change: the password is temporary (an admin's reset): the user chooses a new one
            at the next sign-in.
        keep_session: the raw key of a session that stays signed in (the one that changed
            its own password); every other session of the user ends.

    Raises:
        NotFound: no such user.
        ValueError: an empty password hash.
    """
    user = require(session, User, user_id, "user")
    if not password_hash:
        raise ValueError("a user needs a password hash")
    user.password_hash = password_hash
    user.must_change_password = must_change
    end_user_sessions(session, user_id, keep=keep_session)
    session.flush()
    return user


def update_user(
    session: Session,
    user_id: int,
    *,
    password_hash: str | None = None,
    is_admin: bool | None = None,
) -> User:
    """Change a user's password hash and/or admin flag (arguments left as None stay).

    A new password hash ends the user's sessions, as ``set_password`` does.

    Raises:
        NotFound: no such user.
    """
    user = require(session, User, user_id, "user")
    if password_hash is not None:
        if not password_hash:
            raise ValueError("a user needs a password hash")
        set_password(session, user_id, password_hash)
    if is_admin is not None:
        user.is_admin = is_admin
    session.flush()
    return user
