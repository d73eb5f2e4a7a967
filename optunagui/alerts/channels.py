"""How one delivery is sent on its channel, and what its answer means: sent, worth another
try (the receiver is away or answered a temporary error) or failed for good."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from optunagui.alerts import emails, webhooks
from optunagui.smtp import SmtpSettings, send_message

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["NO_SMTP", "Channels", "Outcome", "send_email", "send_webhook"]

NO_SMTP = ("no SMTP server is configured (an admin sets OPTUNAGUI_SMTP_HOST and "
           "OPTUNAGUI_SMTP_SENDER)")

Post = Callable[[str, bytes, dict[str, str]], webhooks.Answer]
SendEmail = Callable[[SmtpSettings, EmailMessage], None]


@dataclass(frozen=True)
class Outcome:
    sent: bool
    retry: bool
    text: str


@dataclass(frozen=True)
class Channels:
    """What the sending side may do: post where, through which SMTP server."""

    allow_private: bool = False
    post: Post = webhooks.post
    resolve: webhooks.Resolve | None = None
    smtp: SmtpSettings | None = None
    send_email: SendEmail = send_message

    @classmethod
    def from_settings(cls, settings: Settings) -> Channels:
        return cls(allow_private=settings.allow_private_webhooks, smtp=settings.smtp)


def _from_http(answer: webhooks.Answer) -> Outcome:
    text = f"{answer.status} {answer.text}" if answer.status is not None else answer.text
    if answer.status is not None and 200 <= answer.status < 300:
        return Outcome(True, False, text)
    retry = answer.status is None or answer.status >= 500 or answer.status in (408, 429)
    return Outcome(False, retry, text)


def send_webhook(target: str, delivery_id: int, alert: dict[str, Any],
                 hook: dict[str, Any] | None, secret: str | None, channels: Channels
                 ) -> Outcome:
    """Post ``alert`` to ``target``, signed with the rule's secret."""
    if not hook or not secret:
        return Outcome(False, False, "the rule no longer has a webhook")
    kwargs = {"resolve": channels.resolve} if channels.resolve else {}
    why = webhooks.check_target(target, allow_private=channels.allow_private, **kwargs)
    if why:
        return Outcome(False, False, f"refused: {why}")
    body = webhooks.webhook_body(str(hook.get("format", "json")), alert)
    stamp = str(int(time.time()))
    headers = {"X-OptunaGui-Delivery": str(delivery_id), "X-OptunaGui-Timestamp": stamp,
               webhooks.SIGNATURE_HEADER: webhooks.signature(secret, stamp, body)}
    return _from_http(channels.post(target, body, headers))


def _smtp_text(code: int, text: bytes | str) -> str:
    detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"SMTP {code}: {detail}"


def send_email(target: str, delivery_id: int, alert: dict[str, Any], channels: Channels
               ) -> Outcome:
    """Email ``alert`` to ``target``; SMTP's 4xx answers are tried again, 5xx are final."""
    if channels.smtp is None:
        return Outcome(False, True, NO_SMTP)
    message = emails.alert_email(alert, to=target, delivery_id=delivery_id)
    try:
        channels.send_email(channels.smtp, message)
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()), (550, b"refused"))
        return Outcome(False, not 500 <= code < 600, _smtp_text(code, text))
    except smtplib.SMTPResponseException as error:
        return Outcome(False, not 500 <= error.smtp_code < 600,
                       _smtp_text(error.smtp_code, error.smtp_error))
    except (smtplib.SMTPException, OSError) as error:
        return Outcome(False, True, f"not reached: {error}")
    return Outcome(True, False, f"accepted by {channels.smtp.host}:{channels.smtp.port}")
