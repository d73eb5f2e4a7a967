"""Where the wizard's messages go: under their field, in a table row, or at the top when
neither shows them. Every text goes in as a text child, which React escapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import html

__all__ = ["error_children", "error_line", "message_lines", "unplaced_messages"]


def message_lines(texts: Sequence[str] | None) -> Any:
    """One line per message; None when there is none."""
    if not texts:
        return None
    return [html.Div(text) for text in texts]


def error_line(texts: Sequence[str] | None) -> html.Div:
    return html.Div(message_lines(texts), className="text-danger small")


def error_children(
    slot_ids: Sequence[Mapping[str, Any]], by_field: Mapping[str, list[str]]
) -> list[Any]:
    """The children of each message slot, in the order Dash lists the slots."""
    return [message_lines(by_field.get(str(slot.get("field")))) for slot in slot_ids]


def unplaced_messages(
    by_field: Mapping[str, list[str]],
    slots: set[str],
    table_fields: set[str],
) -> list[str]:
    """Messages with no slot and no table row to show them in: shown at the top instead."""
    texts = []
    for field, messages in by_field.items():
        if field in slots or field in table_fields:
            continue
        texts.extend(f"{field}: {message}" for message in messages)
    return texts
