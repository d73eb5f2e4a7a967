"""Who may sign in and what they may do: password hashes, user names, roles on an experiment.

The dashboard and the command line both create users and check passwords through here, so a
user made by ``optunagui user add`` signs in to the dashboard and the other way round. Every
password change (your own on the Account page, an admin's reset, ``optunagui user
set-password``) goes through ``change_password``, which ends the user's other sessions.
"""

from __future__ import annotations

import enum
import functools
import re
import secrets
from typing import TYPE_CHECKING, Any

from werkzeug.security import check_password_hash, generate_password_hash

from optunagui.email_address import check_email

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "CLI_USERNAME",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "USERNAME_PATTERN",
    "Role",
    "change_password",
    "check_password",
    "check_username",
    "has_password",
    "hash_password",
    "reset_password",
    "set_email",
    "verify_password",
]

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_HASH_METHOD = "scrypt"
# The account that owns what the command line creates; it has no password and never signs in.
CLI_USERNAME = "cli"


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=_HASH_METHOD)


def hash_password(password: str) -> str:
    """The stored form of a password (werkzeug's scrypt hash, salted)."""
    return generate_password_hash(password, method=_HASH_METHOD)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no stored hash, still spend the time of a real check, so an
    unknown user name costs the same as a known one."""
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def has_password(password_hash: str | None) -> bool:
    """True when the stored value is a password hash at all (``"!"``, the command-line
    account's, is none: nobody can sign in with it)."""
    if not password_hash:
        return False
    method, _, rest = password_hash.partition("$")
    return bool(method) and rest.count("$") == 1


def change_password(
    session: Session,
    user_id: int,
    new_password: Any,
    *,
    current_password: Any = None,
    must_change: bool = False,
    keep_session: str | None = None,
) -> str | None:
    """Set a user's password and end their sessions (but ``keep_session``).

    Args:
        current_password: when given (a change of one's own password), it must be the
            user's present password.
        must_change: the new password is temporary: it is replaced at the next sign-in.
        keep_session: the raw key of the session that stays signed in.

    Returns:
        A message naming what is wrong, or None when the password was changed.
    """
    from optunagui.store import users as user_store  # the store loads SQLAlchemy

    user = user_store.get_user(session, user_id)
    if user is None:
        return "There is no such user."
    if user.username == CLI_USERNAME and not has_password(user.password_hash):
        return f"The account {CLI_USERNAME!r} belongs to the command line and has no password."
    if current_password is not None:
        if not isinstance(current_password, str) or not current_password:
            return "Enter your current password."
        if not verify_password(user.password_hash, current_password[:MAX_PASSWORD_LENGTH]):
            return "The current password is wrong."
    problem = check_password(new_password)
    if problem:
        return problem
    if current_password is not None and new_password == current_password:
        return "Choose a new password that differs from the current one."
    user_store.set_password(session, user_id, hash_password(new_password),
                            must_change=must_change, keep_session=keep_session)
    return None


def set_email(session: Session, user_id: int, email: Any) -> str | None:
    """Set (or, with an empty value, clear) the address a user's alert emails go to.

    Returns:
        A message naming what is wrong, or None when it was saved.
    """
    from optunagui.store import users as user_store

    user = user_store.get_user(session, user_id)
    if user is None:
        return "There is no such user."
    value = email.strip() if isinstance(email, str) else email
    if value in (None, ""):
        user.email = None
        return None
    problem = check_email(value)
    if problem:
        return f"Email: {problem}."
    user.email = value
    return None


def reset_password(session: Session, user_id: int) -> tuple[str | None, str | None]:
    """An admin's reset: a generated temporary password the user must replace at the next
    sign-in; every session of the user ends.

    Returns:
        (the temporary password, None), or (None, the reason it was refused).
    """
    temporary = secrets.token_urlsafe(12)
    problem = change_password(session, user_id, temporary, must_change=True)
    return (None, problem) if problem else (temporary, None)


def check_username(value: Any) -> str | None:
    """A message when ``value`` is not a usable user name, else None."""
    if not isinstance(value, str) or not value.strip():
        return "Enter a user name."
    if not USERNAME_PATTERN.fullmatch(value.strip()):
        return (
            "A user name has 1 to 64 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return None


def check_password(value: Any) -> str | None:
    """A message when ``value`` is not a usable new password, else None."""
    if not isinstance(value, str) or not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        return f"A password needs {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters."
    return None


class Role(enum.IntEnum):
    """Roles on one experiment, ordered: a higher role can do all a lower one can."""

    viewer = 1
    editor = 2
    owner = 3

    @classmethod
    def parse(cls, value: Any) -> Role | None:
        """The role named by ``value`` ("owner", "editor", "viewer"), or None."""
        if isinstance(value, Role):
            return value
        if isinstance(value, str):
            try:
                return cls[value.strip().lower()]
            except KeyError:
                return None
        return None
