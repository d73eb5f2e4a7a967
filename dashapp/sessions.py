"""Sessions of signed-in users, kept on the server, and the CSRF token of each session.

flask-login's signed cookie holds only the session's random key (``SignedInUser.get_id``); each
request finds the user through ``optunagui.store.user_sessions``, so a session ended on the
server (sign-out, a password change, a disabled account, its absolute lifetime) is refused even
when a copy of its cookie is sent. ``OPTUNAGUI_CLOCK`` in the app's config tells the time
(tests move it); ``OPTUNAGUI_SESSION_MAX_AGE`` is the absolute lifetime.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import flask_login
from flask import current_app, session

from dashapp import services
from optunagui.store import user_sessions
from optunagui.store._types import utcnow

__all__ = [
    "IDLE_SESSION_LIFETIME",
    "SESSION_MAX_AGE",
    "SignedInUser",
    "csrf_matches",
    "csrf_token",
    "current_session_key",
    "load_user",
    "session_now",
    "start_session",
]

SESSION_MAX_AGE = timedelta(days=14)
IDLE_SESSION_LIFETIME = timedelta(hours=12)


class SignedInUser(flask_login.UserMixin):
    """The user of this request's session; flask-login keeps ``session_key`` in the cookie."""

    def __init__(
        self, user_id: int, name: str, is_admin: bool, session_key: str | None = None
    ) -> None:
        self.user_id = user_id
        self.name = name
        self.is_admin = is_admin
        self.session_key = session_key

    def get_id(self) -> str:
        return self.session_key or ""


def session_now() -> datetime:
    clock: Callable[[], datetime] = current_app.config.get("OPTUNAGUI_CLOCK", utcnow)
    return clock()


def load_user(session_key: str) -> SignedInUser | None:
    # Every request asks: a read session, which on SQLite takes no write lock.
    with services.database().read_session() as db_session:
        user = user_sessions.get_session_user(db_session, session_key, now=session_now())
        if user is None or user.must_change_password:
            return None
        return SignedInUser(user.id, user.username, bool(user.is_admin), session_key)


def current_session_key() -> str | None:
    """The raw key of the signed-in user's session, None when nobody is signed in."""
    user = flask_login.current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "session_key", None)


def start_session(user_id: int, name: str, is_admin: bool) -> None:
    """Sign the user in: a new server-side session (ending the one this browser had), a fresh
    cookie and CSRF token."""
    previous = current_session_key()
    with services.database().session() as db_session:
        if previous:
            user_sessions.end_user_session(db_session, previous)
        key = user_sessions.create_user_session(
            db_session, user_id, current_app.config["OPTUNAGUI_SESSION_MAX_AGE"], now=session_now()
        )
    session.clear()
    flask_login.login_user(SignedInUser(user_id, name, is_admin, key))
    session.permanent = True
    csrf_token()


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_matches(candidate: str | None) -> bool:
    """True when ``candidate`` is this session's CSRF token."""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not isinstance(candidate, str):
        return False
    return hmac.compare_digest(expected.encode(), candidate.encode())
