"""The person's choices about the wizard's draft: "Resume it" puts the saved draft back,
"Discard" drops it and keeps the fresh wizard, "Start over" (always there) puts every field back
to its default and drops the draft. Checked like every callback: an editor (or owner) of the
experiment in the URL."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx

from dashapp import components, guard
from dashapp.guard import Access
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT
from dashapp.pages.new_run.drafts import draft_form, save_draft
from dashapp.pages.new_run.form_fields import field_outputs, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.put_back import form_outputs
from dashapp.pages.new_run.wizard.form import default_form, merge_space_rows

__all__ = ["choose_draft", "register_draft_choice"]

RESUMED = "Resumed your draft: change what you need and go on."
DISCARDED = "Draft discarded: this is a fresh wizard."
STARTED_OVER = "Started over: every field is back to its default and the draft is cleared."
NOTHING_TO_RESUME = "There is no draft to resume any more (it was discarded or launched)."


def _unchanged(model_ids: Any, preset_ids: Any) -> dict[str, Any]:
    """``no_update`` for every field, table and store the choice may set."""
    fields: dict[str, Any] = {key: dash.no_update for key in field_outputs()}
    fields["models"] = [dash.no_update] * len(model_ids or [])
    fields["presets"] = [dash.no_update] * len(preset_ids or [])
    return {"fields": fields, "features": dash.no_update, "space": dash.no_update,
            "step": dash.no_update, "described": dash.no_update, "draft": dash.no_update}


def _answer(base: dict[str, Any], text: str, color: str = "info") -> dict[str, Any]:
    """The choice's outputs: the offer hidden, nothing pending, what was done."""
    return {**base, "pending": None, "notice": components.HIDDEN,
            "feedback": components.message(text, color, id="new-run-draft-choice")}


def _fresh_form() -> dict[str, Any]:
    form = default_form()
    form["space"] = merge_space_rows(form["models"], form["presets"], [], {})
    return form


def choose_draft(access: Access, resume: Any, discard: Any, start_over: Any,
                 experiment_id: Any, draft: Any, model_ids: Any,
                 preset_ids: Any) -> dict[str, Any]:
    """Resume, discard or start over; the outputs say what was done."""
    trigger = ctx.triggered_id
    base = _unchanged(model_ids, preset_ids)
    if trigger == ids.resume:
        saved = draft_form(draft, access.experiment_id)
        if saved is None:
            return _answer(base, NOTHING_TO_RESUME, "warning")
        form = read_form(saved, {})
        return _answer({**base, **form_outputs(form, model_ids, preset_ids)}, RESUMED)
    if trigger not in (ids.discard, ids.start_over):
        raise dash.exceptions.PreventUpdate
    cleared = {**base, "draft": save_draft(draft, access.experiment_id, None)}
    if trigger == ids.discard:
        return _answer(cleared, DISCARDED)
    fresh = {**cleared, **form_outputs(_fresh_form(), model_ids, preset_ids)}
    return _answer(fresh, STARTED_OVER)


def register_draft_choice(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "fields": field_outputs(duplicate=True),
            "features": Output(ids.features, "children", allow_duplicate=True),
            "space": Output(ids.space, "children", allow_duplicate=True),
            "step": Output(ids.step, "data", allow_duplicate=True),
            "described": Output(ids.described, "data", allow_duplicate=True),
            "draft": Output(ids.draft, "data", allow_duplicate=True),
            "pending": Output(ids.pending, "data", allow_duplicate=True),
            "notice": Output(ids.draft_notice, "style", allow_duplicate=True),
            "feedback": Output(ids.feedback, "children", allow_duplicate=True),
        },
        inputs={
            "resume": Input(ids.resume, "n_clicks"),
            "discard": Input(ids.discard, "n_clicks"),
            "start_over": Input(ids.start_over, "n_clicks"),
        },
        state={
            "experiment_id": EXPERIMENT,
            "draft": State(ids.draft, "data"),
            "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
            "preset_ids": State({"type": ids.preset, "model": ALL}, "id"),
        },
        prevent_initial_call=True,
    )(choose_draft)
