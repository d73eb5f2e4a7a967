"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), keeping every message it accepts."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keep:
    def __init__(self, inbox: SmtpReceiver) -> None:
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.inbox.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.inbox.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


class SmtpReceiver:
    """``start()`` listens on ``port`` (a free one by default); ``messages`` holds (recipients,
    message) pairs in arrival order; addresses in ``refuse`` are answered 550."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self._controller: Controller | None = None

    def start(self) -> SmtpReceiver:
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def environ(self, sender: str = "optunagui@example.com") -> dict[str, str]:
        """The server's settings for sending through this receiver (no TLS on loopback)."""
        return {"OPTUNAGUI_SMTP_HOST": "127.0.0.1", "OPTUNAGUI_SMTP_PORT": str(self.port),
                "OPTUNAGUI_SMTP_TLS": "none", "OPTUNAGUI_SMTP_SENDER": sender}
