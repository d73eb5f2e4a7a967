"""What the product takes as an email address: ``name@domain.tld``, one line, 254 characters
at most (the limit of SMTP's path), parsed by the standard library's address parser."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address

__all__ = ["MAX_EMAIL_CHARS", "check_email"]

MAX_EMAIL_CHARS = 254


def check_email(value: object) -> str | None:
    """Why ``value`` is not an email address the product can send to, or None when it is."""
    expected = "an address like ana@example.com"
    if not isinstance(value, str) or not value or len(value) > MAX_EMAIL_CHARS:
        return f"{expected}, of at most {MAX_EMAIL_CHARS} characters"
    if any(ch.isspace() or ord(ch) < 32 or ch in "<>,;\"" for ch in value):
        return f"{expected}, with no spaces, commas or angle brackets"
    try:
        address = Address(addr_spec=value)
    except (HeaderParseError, ValueError, IndexError):
        return expected
    if address.addr_spec != value or not address.username or "." not in address.domain:
        return expected
    if address.domain.startswith(".") or address.domain.endswith(".") or ".." in value:
        return expected
    return None
