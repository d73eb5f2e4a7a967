"""What an action callback answers: a message, and whether the lists on the page reload.

An action's first output is its feedback, its second the page's refresh counter (a
``dcc.Store`` the listing callbacks take as input); further outputs clear the form's fields.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Output

from dashapp import components
from dashapp.components.buttons import bump

__all__ = ["action_outputs", "done", "refused"]


def action_outputs(feedback: str, refresh: str, *cleared: str,
                   duplicate: bool = False) -> list[Output]:
    """The outputs ``refused`` and ``done`` fill: the ``feedback`` element's children (shared
    with another callback when ``duplicate``), the ``refresh`` counter, the ``cleared`` fields."""
    return [
        Output(feedback, "children", allow_duplicate=duplicate),
        Output(refresh, "data", allow_duplicate=True),
        *[Output(field, "value") for field in cleared],
    ]


def refused(text: Any, outputs: int = 2) -> tuple[Any, ...]:
    """The reason an action did nothing; every other of its ``outputs`` stays as it is."""
    return (components.message(text, "danger"), *[dash.no_update] * (outputs - 1))


def done(text: Any, refresh: Any, *cleared: Any) -> tuple[Any, ...]:
    """An action that worked: the message, the bumped refresh counter, then ``cleared``."""
    return (components.message(text, "success"), bump(refresh), *cleared)
