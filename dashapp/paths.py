"""The dashboard's own addresses, under the path prefix it is served at.

The prefix is the path of ``OPTUNAGUI_PUBLIC_URL`` (``https://example.org/optunagui`` serves
the dashboard at ``/optunagui/``); without a path there is none. The reverse proxy forwards
the full path, prefix included. ``mount_under_prefix`` moves the prefix from the request's path
to its script root (WSGI's ``SCRIPT_NAME``), so every route, the guard and the API see the same
paths as without a prefix; a request outside the prefix gets a 404.

Every absolute path the dashboard writes for a browser (links, redirects, forms, a callback's
new location, share links, the API's ``url`` fields) goes through ``app_path``. (Dash's pages
router strips the prefix from the browser's pathname itself.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

__all__ = [
    "JS_APP_PATH",
    "app_path",
    "mount_under_prefix",
    "path_prefix",
    "path_prefix_of",
    "requests_pathname_prefix",
]

#: For clientside callbacks: a JavaScript function of a path of the app, ``app_path``'s twin; the
#: prefix is read from the page's Dash config (``requests_pathname_prefix``).
JS_APP_PATH = """function(path) {
    var config = JSON.parse(document.getElementById("_dash-config").textContent);
    return config.requests_pathname_prefix.replace(/\\/$/, "") + path;
}"""

_PREFIX_KEY = "OPTUNAGUI_PATH_PREFIX"


def path_prefix_of(public_url: str | None) -> str:
    """The path prefix of a public URL: ``"/optunagui"``, or ``""`` for none."""
    if not public_url:
        return ""
    return urlsplit(public_url).path.rstrip("/")


def requests_pathname_prefix(prefix: str) -> str:
    """Where Dash's renderer sends its requests: the prefix with a closing slash."""
    return prefix + "/"


def mount_under_prefix(server: Flask, prefix: str) -> None:
    """Serve ``server`` under ``prefix`` (nothing to do for ``""``)."""
    server.config[_PREFIX_KEY] = prefix
    if not prefix:
        return
    server.config["SESSION_COOKIE_PATH"] = prefix
    server.config["REMEMBER_COOKIE_PATH"] = prefix
    server.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        NotFound(f"OptunaGui is served under {prefix}/."), {prefix: server.wsgi_app})


def path_prefix() -> str:
    """The current app's path prefix (``""`` for none, and outside an app)."""
    return str(current_app.config.get(_PREFIX_KEY, "")) if has_app_context() else ""


def app_path(path: str) -> str:
    """``path``, a path of the app (``/runs/3?tab=trials``), as the browser must ask for it."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"app_path: expected a path starting with one '/', got {path!r}")
    return path_prefix() + path

