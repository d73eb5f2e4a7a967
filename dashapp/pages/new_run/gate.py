"""Opening the wizard: an editor (or owner) of the experiment gets the form and the resources
trials can use; anyone else gets a message that shows nothing of the experiment."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output

from dashapp import components, guard
from dashapp.guard import Access, Denial
from dashapp.pages.new_run.context import EDITOR, capacity
from dashapp.pages.new_run.ids import ids

__all__ = ["EDITORS_ONLY", "NOT_AVAILABLE", "register_gate", "show_resources"]

NOT_AVAILABLE = "This experiment does not exist, or you have no access to it."
EDITORS_ONLY = "Only the experiment's editors and owners can launch runs."


def _denied(denial: Denial) -> tuple[Any, ...]:
    text = EDITORS_ONLY if denial.reason == "forbidden" else NOT_AVAILABLE
    return None, components.message(text, "warning", id="new-run-not-available"), components.HIDDEN


def show_resources(access: Access, experiment_id: Any) -> Any:
    """The resources text, no denial, and the wizard shown."""
    return f"Resources: {capacity().source}.", None, components.SHOWN


def register_gate(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.resources, "children"),
            Output(ids.denied, "children"),
            Output(ids.body, "style"),
        ],
        inputs={"experiment_id": Input(ids.experiment, "data")},
        on_denied=_denied,
    )(show_resources)
