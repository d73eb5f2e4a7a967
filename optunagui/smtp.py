"""The SMTP server the product sends email through, from the environment, and one send.

- ``OPTUNAGUI_SMTP_HOST``: the server; without it the product sends no email.
- ``OPTUNAGUI_SMTP_PORT``: default 587 with STARTTLS, 465 with TLS, 25 without.
- ``OPTUNAGUI_SMTP_TLS``: ``starttls`` (default), ``tls`` (TLS from the first byte) or ``none``.
- ``OPTUNAGUI_SMTP_SENDER``: the From address (required with a host).
- ``OPTUNAGUI_SMTP_USER`` and ``OPTUNAGUI_SMTP_PASSWORD``: to sign in, when the server asks.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from optunagui.email_address import check_email

__all__ = ["TLS_MODES", "SmtpError", "SmtpSettings", "load_smtp_settings", "send_message"]

TLS_MODES = ("starttls", "tls", "none")
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TIMEOUT_S = 10.0


class SmtpError(ValueError):
    """A setting the product cannot use (the message names the variable)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    sender: str
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # the password stays out of logs
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, tls={self.tls!r}, "
                f"sender={self.sender!r}, user={self.user!r})")


def load_smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """The SMTP settings in ``env``, or None when no host is set.

    Raises:
        SmtpError: a value that cannot be used, naming its variable and what would work.
    """
    host = env.get("OPTUNAGUI_SMTP_HOST", "").strip()
    if not host:
        return None
    tls = env.get("OPTUNAGUI_SMTP_TLS", "").strip().lower() or "starttls"
    if tls not in TLS_MODES:
        raise SmtpError(f"OPTUNAGUI_SMTP_TLS: one of {', '.join(TLS_MODES)}, got {tls!r}")
    port_text = env.get("OPTUNAGUI_SMTP_PORT", "").strip()
    if port_text and (not port_text.isdigit() or not 0 < int(port_text) < 65536):
        raise SmtpError(f"OPTUNAGUI_SMTP_PORT: a port from 1 to 65535, got {port_text!r}")
    sender = env.get("OPTUNAGUI_SMTP_SENDER", "").strip()
    problem = check_email(sender) if sender else "required when OPTUNAGUI_SMTP_HOST is set"
    if problem:
        raise SmtpError(f"OPTUNAGUI_SMTP_SENDER: {problem} (e.g. optunagui@example.com)")
    user = env.get("OPTUNAGUI_SMTP_USER", "").strip() or None
    password = env.get("OPTUNAGUI_SMTP_PASSWORD") or None
    if (user is None) != (password is None):
        raise SmtpError("OPTUNAGUI_SMTP_USER and OPTUNAGUI_SMTP_PASSWORD: set both or neither")
    return SmtpSettings(host=host, port=int(port_text) if port_text else _DEFAULT_PORTS[tls],
                        tls=tls, sender=sender, user=user, password=password)


def send_message(settings: SmtpSettings, message: EmailMessage,
                 timeout_s: float = TIMEOUT_S) -> None:
    """Send ``message`` from the configured sender.

    Raises:
        smtplib.SMTPException, OSError: the server refused it or could not be reached.
    """
    del message["From"]
    message["From"] = settings.sender
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.tls == "tls":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout_s,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout_s)
    with client:
        if settings.tls == "starttls":
            client.starttls(context=context)
        if settings.user and settings.password:
            client.login(settings.user, settings.password)
        client.send_message(message)
