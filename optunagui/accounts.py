"""Who may sign in and what they may do: password hashes, user names, roles on an experiment.

The dashboard and the command line both create users and check passwords through here, so a
user made by ``optunagui user add`` signs in to the dashboard and the other way round.
"""

from __future__ import annotations

import enum
import functools
import re
import secrets
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "USERNAME_PATTERN",
    "Role",
    "check_password",
    "check_username",
    "hash_password",
    "verify_password",
]

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_HASH_METHOD = "scrypt"


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
