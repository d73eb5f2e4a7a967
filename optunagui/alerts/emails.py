"""The email an alert sends: a plain-text message naming the rule, what happened, the run and
experiment, and a link to the run when the server knows its public address."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

__all__ = ["alert_email"]

MAX_SUBJECT_CHARS = 200


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def alert_email(alert: dict[str, Any], *, to: str, delivery_id: int) -> EmailMessage:
    """The message for ``alert`` (the document a webhook posts) to one recipient.

    ``Message-ID`` and ``X-OptunaGui-Delivery`` stay the same on every retry of a delivery, so
    a mail system can drop a repeat.
    """
    rule, experiment, run = alert["rule"], alert["experiment"], alert.get("run")
    subject = _one_line(f"[OptunaGui] {alert['message']}")
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject[:MAX_SUBJECT_CHARS]
    message["Message-ID"] = make_msgid(idstring=f"alert-{alert['id']}-delivery-{delivery_id}",
                                       domain="optunagui")
    message["X-OptunaGui-Delivery"] = str(delivery_id)
    created = alert.get("created_at")
    if created:
        message["Date"] = format_datetime(datetime.fromisoformat(created))
    lines = [
        str(alert["message"]),
        "",
        f"Rule: {rule['name']}",
        f"Experiment: {experiment['name']}",
    ]
    if run:
        lines.append(f"Run: {run['name']} (#{run['id']})")
    if alert.get("trial_number") is not None:
        lines.append(f"Trial: {alert['trial_number']}")
    if alert.get("link"):
        lines += ["", f"Open the run: {alert['link']}"]
    lines += ["", "You get this email because you subscribed to this rule in OptunaGui; "
              "unsubscribe on the experiment's page, or remove your address under Account."]
    message.set_content("\n".join(lines) + "\n")
    return message
