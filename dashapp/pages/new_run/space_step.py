"""The search-space step's "Reset to preset": the chosen models' preset ranges, edits dropped.
Checked like every callback: an editor (or owner) of the experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State

from dashapp import guard
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT
from dashapp.pages.new_run.drafts import draft_form
from dashapp.pages.new_run.form_fields import model_states, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard.form import chosen_models, merge_space_rows

__all__ = ["register_space_step", "reset_space"]


def reset_space(access: Access, clicks: Any, experiment_id: Any, draft: Any,
                **values: Any) -> Any:
    """The space table at the chosen models' presets, and what it was reset to."""
    form = read_form(draft_form(draft, access.experiment_id), values)
    models = chosen_models(form)
    presets = {m: form["presets"].get(m, "default") for m in models}
    rows = merge_space_rows(models, presets, [], {})
    done = ", ".join(f"{m} ({p})" for m, p in presets.items()) or "no model chosen"
    return tables.space_table(rows, {}, models), f"Reset to the preset: {done}."


def register_space_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.space, "children", allow_duplicate=True),
            Output(ids.space_status, "children"),
        ],
        inputs={"clicks": Input(ids.space_reset, "n_clicks")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"), **model_states()},
        prevent_initial_call=True,
    )(reset_space)
