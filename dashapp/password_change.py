"""A new password after an admin's reset, before any session starts.

Signing in with a temporary password (``optunagui.accounts.reset_password``) starts no
session: the sign-in keeps only who is choosing a new password, and since when, in the signed
cookie, and shows ``/login/password``. Saving a new password there (``change_password``, which
clears the flag and ends every session of the user) signs the user in. The choice must be made
within ``PENDING_CHANGE_LIFETIME`` and is refused for a user disabled or reset again meanwhile.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, request, session
from flask.typing import ResponseReturnValue

from dashapp import services
from dashapp.components import html_pages
from dashapp.paths import app_path
from dashapp.sessions import csrf_matches, csrf_token, session_now, start_session
from optunagui.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    change_password,
    verify_password,
)
from optunagui.store import users as user_store

__all__ = ["PENDING_CHANGE_LIFETIME", "ask_for_new_password", "blueprint"]

PENDING_CHANGE_LIFETIME = timedelta(minutes=10)
_PENDING_KEY = "password_change"

blueprint = Blueprint("password_change", __name__)


def _tag(password_hash: str) -> str:
    """Names the temporary password without revealing it (a later reset changes it)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def ask_for_new_password(
    user_id: int, name: str, password_hash: str, next_target: str
) -> ResponseReturnValue:
    """The form for a new password, for a user who signed in with a temporary one."""
    session.clear()
    session[_PENDING_KEY] = {
        "user_id": user_id,
        "since": session_now().timestamp(),
        "tag": _tag(password_hash),
        "next": next_target,
    }
    return html_pages.password_change_page(csrf_token(), next_target, name, MIN_PASSWORD_LENGTH)


def _pending() -> dict[str, Any] | None:
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user_id"), int):
        return None
    since = pending.get("since")
    if not isinstance(since, int | float):
        return None
    age = session_now() - datetime.fromtimestamp(since, UTC)
    if not timedelta(0) <= age <= PENDING_CHANGE_LIFETIME:
        return None
    return pending


@blueprint.route("/login/password", methods=["GET", "POST"])
def new_password() -> ResponseReturnValue:
    pending = _pending()
    if pending is None:
        session.pop(_PENDING_KEY, None)
        return redirect(app_path("/login"))
    next_target = str(pending.get("next") or "/")
    user_id = int(pending["user_id"])
    with services.database().session() as db_session:
        user = user_store.get_user(db_session, user_id)
        if (user is None or not user.is_active or not user.must_change_password
                or pending.get("tag") != _tag(user.password_hash)):
            session.pop(_PENDING_KEY, None)
            return redirect(app_path("/login"))
        name, is_admin, temporary_hash = user.username, bool(user.is_admin), user.password_hash
    if request.method == "GET":
        return html_pages.password_change_page(csrf_token(), next_target, name,
                                               MIN_PASSWORD_LENGTH)
    if not csrf_matches(request.form.get("csrf_token")):
        return redirect(app_path("/login"))
    new = request.form.get("new_password") or ""
    problem = None
    if new != (request.form.get("repeat_password") or ""):
        problem = "The two new passwords differ."
    elif len(new) <= MAX_PASSWORD_LENGTH and verify_password(temporary_hash, new):
        problem = "Choose a password other than the temporary one."
    else:
        with services.database().session() as db_session:
            problem = change_password(db_session, user_id, new)
    if problem:
        return html_pages.password_change_page(csrf_token(), next_target, name,
                                               MIN_PASSWORD_LENGTH, error=problem, status=400)
    start_session(user_id, name, is_admin)
    return redirect(app_path(next_target))
