"""Share links and API tokens as the pages show them: a table with a "Revoke" button on each
one still in force, the lifetime in days a person types, and the new secret shown once.

The experiment page lists its share links, the account page the user's API tokens; only the
columns differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp import components
from optunagui.store import accounts

__all__ = [
    "MAX_DAYS",
    "MAX_LABEL",
    "Credential",
    "api_tokens_table",
    "credentials_table",
    "parse_days",
    "share_links_table",
    "shown_once",
]

MAX_DAYS = 365
MAX_LABEL = 100


@dataclass(frozen=True)
class Credential:
    """One row of a credentials table.

    Attributes:
        id: the row's id, carried by its "Revoke" button.
        cells: every column but the last.
        revocable: the last column holds a "Revoke" button.
        ended: the last column otherwise (e.g. "expired").
    """

    id: int
    cells: Sequence[Any]
    revocable: bool
    ended: Any = ""


def credentials_table(credentials: Sequence[Credential], *, headers: Sequence[str],
                      empty: str, revoke_type: str, key: str, table_id: str) -> Any:
    """The rows, each ending in its "Revoke" button (id ``{"type": revoke_type, key: id}``)
    while it can still be revoked; ``empty`` when there are none."""
    if not credentials:
        return components.empty_note(empty)
    rows = [
        [*credential.cells, _revoke_button(revoke_type, key, credential.id)
         if credential.revocable else credential.ended]
        for credential in credentials
    ]
    return components.table([*headers, ""], rows, id=table_id)


def _revoke_button(revoke_type: str, key: str, row_id: int) -> dbc.Button:
    return dbc.Button("Revoke", id={"type": revoke_type, key: row_id}, size="sm",
                      color="link", class_name="p-0")


def share_links_table(links: Sequence[accounts.ShareLinkInfo], *, revoke_type: str,
                      table_id: str) -> Any:
    """An experiment's share links: label, status, created, expires; valid ones revocable."""
    rows = [
        Credential(
            link.id,
            [link.label, components.link_status_badge(link.status),
             components.format_time(link.created_at), components.format_time(link.expires_at)],
            revocable=link.status == "valid",
        )
        for link in links
    ]
    return credentials_table(rows, headers=["Label", "Status", "Created", "Expires"],
                             empty="No share links.", revoke_type=revoke_type, key="link",
                             table_id=table_id)


def api_tokens_table(tokens: Sequence[accounts.ApiTokenInfo], *, revoke_type: str,
                     table_id: str) -> Any:
    """A user's API tokens: label, prefix, created, expires, last used; active ones
    revocable, the others marked revoked or expired."""
    rows = [
        Credential(
            token.id,
            [token.label, token.scope, html.Code(token.prefix + "…"),
             components.format_time(token.created_at),
             components.format_time(token.expires_at) if token.expires_at else "never",
             components.format_time(token.last_used_at)],
            revocable=token.is_active(),
            ended="revoked" if token.revoked_at is not None else "expired",
        )
        for token in tokens
    ]
    return credentials_table(rows, headers=["Label", "Scope", "Token", "Created", "Expires",
                                      "Last used"],
                             empty="No API tokens.", revoke_type=revoke_type, key="token",
                             table_id=table_id)


def parse_days(value: Any) -> int | None:
    """A lifetime of 1 to ``MAX_DAYS`` whole days (a number, or digits as text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1 <= value <= MAX_DAYS:
        return value
    return None


def shown_once(what: str, secret: str, secret_id: str, *, copy: bool = False) -> dbc.Alert:
    """The new link or token, with the warning that it will not be shown again (and, with
    ``copy``, a button that copies it)."""
    shown: list[Any] = [
        html.Div(f"Copy this {what} now; it will not be shown again."),
        html.Code(secret, id=secret_id, className="user-select-all"),
    ]
    if copy:
        shown.append(dcc.Clipboard(target_id=secret_id, className="ms-2 d-inline"))
    return dbc.Alert(shown, color="success", class_name="py-2")
