"""Sign-in, sign-out, sessions, CSRF, and the guard in front of every Flask route.

- Passwords: checked by ``optunagui.accounts`` (scrypt hashes); an unknown name costs the same
  check as a known one. Repeated failures are slowed down by the app's ``LoginThrottle``.
- Sessions: kept on the server (``optunagui.store.user_sessions``); flask-login's signed
  cookie (HttpOnly, SameSite=Lax) holds only the session's random key. Every request looks the
  key up, so signing out, a password change or a disabled account ends the session at once,
  even for a copy of the cookie. A session lasts at most ``OPTUNAGUI_SESSION_MAX_AGE`` (14
  days) from sign-in, and ends after ``PERMANENT_SESSION_LIFETIME`` (12 hours) unused.
- A password reset by an admin is temporary: signing in with it leads to a form for a new
  one (``dashapp.password_change``) before any session starts.
- CSRF: a per-session token, in a hidden field of the sign-in and sign-out forms and, for Dash
  callbacks, in the ``_csrf_token`` cookie that Dash's renderer echoes as ``X-CSRFToken``.
- ``guard_request`` runs before every request: pages need a signed-in user, Dash's endpoints a
  signed-in user or a share-link visitor, ``/s/<token>`` a valid link. Only ``/api/v1`` skips
  it (the API checks a personal token itself); any other ``/api/...`` path is a JSON 404.
- Share links: opening a valid ``/s/<token>`` keeps the token in the session
  (``services.remember_share_link``), beside any signed-in user. A visitor without an account
  may then also load the pages that read runs (a run, its analysis, the compare page) while the
  link stays valid; a revoked or expired one gets its problem page instead. What those pages
  show is each callback's own check (``dashapp.guard``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import flask_login
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    session,
)
from flask.typing import ResponseReturnValue

from dashapp import password_change, services
from dashapp.components import html_pages
from dashapp.paths import app_path, path_prefix
from dashapp.sessions import (
    IDLE_SESSION_LIFETIME,
    SESSION_MAX_AGE,
    SignedInUser,
    csrf_matches,
    csrf_token,
    current_session_key,
    load_user,
    start_session,
)
from dashapp.state import state
from optunagui.accounts import verify_password
from optunagui.store import user_sessions
from optunagui.store import users as user_store
from optunagui.store._types import utcnow

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SignedInUser",
    "csrf_token",
    "init_auth",
    "safe_next",
]

CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
DEFAULT_LANDING = "/experiments"
MAX_NAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 1024
_PUBLIC_PATHS = frozenset({"/login", "/login/password", "/logout", "/_favicon.ico"})
_PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
API_PATH = "/api/v1"
_DASH_ENDPOINTS = frozenset(
    {"/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/_reload-hash"}
)
_SHARE_READER_PAGES = re.compile(r"/runs/[1-9][0-9]{0,17}(/analysis)?|/compare")

blueprint = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the default landing page."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return DEFAULT_LANDING
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return DEFAULT_LANDING
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return DEFAULT_LANDING
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return DEFAULT_LANDING
    if parts.path in ("/login", "/logout"):
        return DEFAULT_LANDING
    return target


def _client_key() -> str:
    return request.remote_addr or "unknown"


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_target = safe_next(request.values.get("next"))
    if flask_login.current_user.is_authenticated and request.method == "GET":
        return redirect(app_path(next_target))
    if request.method == "GET":
        return html_pages.login_page(csrf_token(), next_target)
    if not csrf_matches(request.form.get("csrf_token")):
        return html_pages.login_page(
            csrf_token(),
            next_target,
            error="Your session expired. Please sign in again.",
            status=400,
        )
    client = _client_key()
    wait = state().throttle.wait_seconds(client)
    if wait > 0:
        message = f"Too many failed sign-ins. Try again in {int(wait) + 1} seconds."
        response = html_pages.login_page(csrf_token(), next_target, error=message, status=429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    name = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    user = _check_credentials(name, password)
    if user is None:
        state().throttle.record_failure(client)
        return html_pages.login_page(
            csrf_token(),
            next_target,
            error="Wrong user name or password.",
            status=401,
            username=name[:MAX_NAME_LENGTH],
        )
    state().throttle.record_success(client)
    if user.must_change_password:
        return password_change.ask_for_new_password(user.user_id, user.name, user.password_hash,
                                                    next_target)
    start_session(user.user_id, user.name, user.is_admin)
    return redirect(app_path(next_target))


@dataclass(frozen=True)
class _Credentials:
    user_id: int
    name: str
    is_admin: bool
    must_change_password: bool
    password_hash: str = field(repr=False)


def _check_credentials(name: str, password: str) -> _Credentials | None:
    if not name or len(name) > MAX_NAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        verify_password(None, password[:MAX_PASSWORD_LENGTH])
        return None
    with services.database().session() as db_session:
        user = user_store.get_user_by_name(db_session, name)
        stored_hash = user.password_hash if user is not None else None
        if not verify_password(stored_hash, password) or user is None or not user.is_active:
            return None
        return _Credentials(user.id, user.username, bool(user.is_admin),
                            bool(user.must_change_password), user.password_hash)


@blueprint.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    if request.method == "GET":
        if not flask_login.current_user.is_authenticated:
            return redirect(app_path("/login"))
        return html_pages.logout_page(csrf_token())
    if not csrf_matches(request.form.get("csrf_token")):
        abort(400)
    key = current_session_key()
    if key:
        with services.database().session() as db_session:
            user_sessions.end_user_session(db_session, key)
    flask_login.logout_user()
    session.clear()
    return redirect(app_path("/login"))


def guard_request() -> ResponseReturnValue | None:
    """Refuse what the request's sender may not reach, before any view or callback runs."""
    path = request.path
    if path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES):
        return None
    if path.startswith("/s/"):
        return _guard_share_page(path[len("/s/") :])
    if path == API_PATH or path.startswith(API_PATH + "/"):
        return None  # the API authenticates every request with a personal token itself
    if path == "/api" or path.startswith("/api/"):
        return jsonify(error=f"No such API path; the API is under {API_PATH}/."), 404
    signed_in = flask_login.current_user.is_authenticated
    if path in _DASH_ENDPOINTS:
        # A link kept in the session may have been revoked since: each callback resolves it.
        if not signed_in and services.kept_share_token() is None:
            return jsonify(error="Sign in to continue."), 401
        if request.method == "POST" and not csrf_matches(request.headers.get(CSRF_HEADER)):
            return jsonify(error="Missing or wrong CSRF token; reload the page."), 403
        return None
    if not signed_in:
        if request.method == "GET" and _SHARE_READER_PAGES.fullmatch(path):
            status, _link = services.session_share_link()
            if status != "none":
                return _share_reader_page(status)
        if request.method == "GET":
            target = request.full_path if request.query_string else path
            return redirect(app_path("/login?" + urlencode({"next": target})))
        return jsonify(error="Sign in to continue."), 401
    if path == "/":
        return redirect(app_path(DEFAULT_LANDING))
    return None


def _guard_share_page(url_token: str) -> ResponseReturnValue | None:
    if request.method != "GET":
        return jsonify(error="Not allowed."), 405
    status, _link = services.resolve_share_token(url_token)
    if status != "valid":
        return html_pages.share_problem_page(status)
    services.remember_share_link(url_token)
    csrf_token()
    return None


def _share_reader_page(status: str) -> ResponseReturnValue | None:
    """A page that reads runs, for a visitor without an account whose session keeps a share
    link: served while the link is valid, its problem page once it is not."""
    if status != "valid":
        services.forget_share_link()
        return html_pages.share_problem_page(status)
    return None


def _set_csrf_cookie(response: Response) -> Response:
    token = session.get("csrf")
    if isinstance(token, str) and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            samesite="Strict",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=False,
            path=path_prefix() or "/",
        )
    return response


def _set_security_headers(response: Response) -> Response:
    # Share links carry their token in the URL: never send it on to other sites.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response


def init_auth(server: Flask) -> None:
    """Configure sessions, sign-in and the request guard on the Flask server."""
    server.config.update(
        SESSION_COOKIE_NAME="optunagui_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=IDLE_SESSION_LIFETIME,
    )
    server.config.setdefault("OPTUNAGUI_SESSION_MAX_AGE", SESSION_MAX_AGE)
    server.config.setdefault("OPTUNAGUI_CLOCK", utcnow)
    manager = flask_login.LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.init_app(server)
    server.register_blueprint(blueprint)
    server.register_blueprint(password_change.blueprint)
    server.before_request(guard_request)
    server.after_request(_set_csrf_cookie)
    server.after_request(_set_security_headers)
