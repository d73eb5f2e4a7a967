"""What a button press in a callback refers to, and the counters that make lists reload."""

from __future__ import annotations

from typing import Any

import dash
from dash import ctx

from dashapp.permissions import parse_id

__all__ = ["bump", "clicked_choice", "clicked_id"]


def bump(counter: Any) -> int:
    """The next value of a refresh counter (a dcc.Store other callbacks listen to)."""
    return (counter if isinstance(counter, int) else 0) + 1


def clicked_id(clicks: Any, key: str) -> int:
    """The id under `key` of the pattern-matched button that fired this callback.

    Raises PreventUpdate when no such button was pressed (a list re-rendered, which fires
    the callback with no clicks) or the id is not a valid one.
    """
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks or []):
        raise dash.exceptions.PreventUpdate
    row_id = parse_id(trigger.get(key))
    if row_id is None:
        raise dash.exceptions.PreventUpdate
    return row_id


def clicked_choice(clicks: Any, key: str, allowed: Any = None) -> str:
    """The text under `key` of the pattern-matched button or menu item that fired this
    callback (one of `allowed` when given).

    Raises PreventUpdate when nothing was pressed (the items were only drawn) or the value is
    not an allowed one.
    """
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(isinstance(c, int) and c > 0
                                                for c in clicks or []):
        raise dash.exceptions.PreventUpdate
    value = trigger.get(key)
    if not isinstance(value, str) or not value or (allowed is not None and value not in allowed):
        raise dash.exceptions.PreventUpdate
    return value
