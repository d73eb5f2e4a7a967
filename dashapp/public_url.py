"""Serving behind HTTPS and reverse proxies.

- ``OPTUNAGUI_TRUSTED_PROXIES=N``: the client's address, scheme and host are taken from the
  X-Forwarded-* headers the last N proxies set (Werkzeug's ProxyFix); without it those headers
  are ignored, so a client cannot claim another address or scheme.
- ``OPTUNAGUI_PUBLIC_URL=https://...``: links the product hands out (share links) are built on
  it, whatever host a request came in by; an https address makes the session, remember-me and
  CSRF cookies Secure (the browser then sends them over HTTPS only). Its path, if any, is the
  prefix the dashboard is served under (``dashapp.paths``); X-Forwarded-Prefix is not read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from dashapp.paths import app_path, mount_under_prefix, path_prefix_of

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["external_url", "install_public_url"]

_PUBLIC_URL = "OPTUNAGUI_PUBLIC_URL"


def install_public_url(server: Flask, settings: Settings) -> None:
    mount_under_prefix(server, path_prefix_of(settings.public_url))
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    server.config[_PUBLIC_URL] = settings.public_url
    if settings.public_url and settings.public_url.startswith("https://"):
        server.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)


def external_url(path: str) -> str:
    """``path``, a path of the app, as an address to hand to someone: on the public URL when
    one is set (its path prefix included), else on the host the request came in by."""
    public_url = current_app.config.get(_PUBLIC_URL)
    if public_url:
        parts = urlsplit(public_url)
        origin = f"{parts.scheme}://{parts.netloc}"
    else:
        origin = request.host_url.rstrip("/")
    return origin + app_path(path)
