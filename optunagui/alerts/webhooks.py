"""Webhooks: where a rule may post, what it posts, and how the body is signed.

- Targets are http(s) addresses whose host resolves to public addresses only; loopback,
  private, link-local and reserved networks are refused unless the server allows them
  (``OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS``). The check runs when the rule is saved and again
  before every delivery (a name may resolve elsewhere later).
- Bodies: ``json`` (the alert, its rule, run and experiment, and a link) or ``slack``
  (``{"text": ...}``, which Slack's incoming webhooks and compatible chat tools take).
- Each request carries ``X-OptunaGui-Delivery`` (the same id on every retry, so a receiver can
  drop a repeat), ``X-OptunaGui-Timestamp`` and ``X-OptunaGui-Signature: sha256=<hex>``, the
  HMAC-SHA256 of ``<timestamp>.<body>`` with the rule's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "FORMATS",
    "SIGNATURE_HEADER",
    "Answer",
    "check_target",
    "clean_webhook",
    "post",
    "signature",
    "webhook_body",
]

FORMATS = ("json", "slack")
SIGNATURE_HEADER = "X-OptunaGui-Signature"
MAX_URL_CHARS = 2000
TIMEOUT_S = 5.0

Resolve = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: an HTTP status, or None when it could not be reached."""

    status: int | None
    text: str


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_target(url: str, *, allow_private: bool, resolve: Resolve = _resolve) -> str | None:
    """Why ``url`` may not receive webhooks, or None when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http:// or https:// address with a host, e.g. https://hooks.example.com/x"
    if parts.username or parts.password:
        return "no user name or password in the address (put a token in its path instead)"
    if allow_private:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = resolve(parts.hostname, port)
    except (OSError, ValueError):
        return f"the host {parts.hostname!r} does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            return (f"{parts.hostname} resolves to {address}, a loopback, private or reserved "
                    "address; an admin may allow such targets with "
                    "OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS=1")
    return None


def clean_webhook(value: object, *, allow_private: bool, resolve: Resolve = _resolve
                  ) -> tuple[dict[str, str] | None, list[tuple[str, str]]]:
    """A rule's ``webhook`` as stored, and the problems found (field, message)."""
    if not isinstance(value, dict):
        return None, [("webhook", "an object with url and format (json or slack)")]
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(value) - {"url", "format"})
    problems += [(f"webhook.{name}", "not a webhook field; expected url, format")
                 for name in unknown]
    url, form = value.get("url"), value.get("format", "json")
    if not isinstance(url, str) or not url.strip() or len(url.strip()) > MAX_URL_CHARS:
        problems.append(("webhook.url", f"an address of at most {MAX_URL_CHARS} characters"))
    else:
        why = check_target(url.strip(), allow_private=allow_private, resolve=resolve)
        if why:
            problems.append(("webhook.url", why))
    if form not in FORMATS:
        problems.append(("webhook.format", f"one of: {', '.join(FORMATS)}, got {form!r}"))
    if problems:
        return None, problems
    assert isinstance(url, str) and isinstance(form, str)
    return {"url": url.strip(), "format": form}, []


def webhook_body(form: str, alert: dict[str, Any]) -> bytes:
    """The body posted for ``alert`` (its message, rule, run, experiment and link)."""
    if form == "slack":
        link = f" <{alert['link']}|open the run>" if alert.get("link") else ""
        document: dict[str, Any] = {"text": f"{alert['message']}{link}"}
    else:
        document = {"type": "optunagui.alert", **alert}
    return json.dumps(document, sort_keys=True, default=str).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could point anywhere (a private address): a webhook answers where it is.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float = TIMEOUT_S
         ) -> Answer:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "OptunaGui-Webhook", **headers})
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return Answer(response.status, response.read(500).decode(errors="replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(500).decode(errors="replace"))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(None, f"not reached: {reason}")
