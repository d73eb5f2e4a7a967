"""Putting a form back into the wizard on page load: a cloned run's spec (``?clone=``, with the
link's changes), or the dataset version the link names (``?version=``). A plain opening starts
fresh: the browser's draft for this experiment is offered ("Resume it" / "Discard",
``draft_choice.py``), and put back by itself only when the browser reloads the wizard.
Checked like every callback: an editor (or owner) of the experiment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, html

from dashapp import components, guard
from dashapp.guard import Access
from dashapp.pages.new_run.cloning import clone_feedback, clone_form, with_version
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT
from dashapp.pages.new_run.drafts import draft_form, notice_text, save_draft, worth_offering
from dashapp.pages.new_run.form_fields import clamp_step, field_outputs, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.put_back import form_outputs
from dashapp.pages.new_run.wizard.form import default_form
from dashapp.pages.new_run.wizard.prefill import Prefill, decode_prefill
from dashapp.permissions import parse_id

__all__ = ["register_restore", "restore"]


@dataclass(frozen=True)
class Restored:
    """The form to put back (None: leave the fields), what to say, whether the browser's
    draft takes the form (it does not when the form is that draft), and the draft offered to
    resume instead."""

    form: dict[str, Any] | None
    feedback: Any = None
    save: bool = False
    offered: dict[str, Any] | None = None


def _link(prefill: Any) -> tuple[Prefill, str | None, str]:
    """The link's changes, the dataset version it names, and the key that identifies both."""
    tokens = prefill if isinstance(prefill, dict) else {}
    changes = decode_prefill(tokens.get("drop"), tokens.get("adjust"))
    version = tokens.get("version") if isinstance(tokens.get("version"), str) else None
    return changes, version, changes.key() + (f";version={version}" if version else "")


def _restored_form(access: Access, stamp: Any, draft: Any, clone: Any, prefill: Any,
                   reloaded: Any) -> Restored:
    clone_id = parse_id(clone)
    saved = draft_form(draft, access.experiment_id)
    changes, version, link_key = _link(prefill)
    same_link = (saved is not None and saved.get("cloned_from") == clone_id
                 and saved.get("prefill_key", Prefill().key()) == link_key)
    if clone_id is not None and same_link:
        return Restored(saved)  # a reload after cloning: keep the edits made since
    if clone_id is not None:
        cloned = clone_form(access, clone_id, changes)
        form = cloned.form if cloned is not None else None
        feedback = clone_feedback(clone_id, cloned)
        if form is not None and version:
            form, note = with_version(access, form, version, link_key)
            feedback = html.Div([feedback, note])
        return Restored(form, feedback, save=True)
    if not (isinstance(stamp, int | float) and stamp > 0):
        raise dash.exceptions.PreventUpdate  # the browser's storage has not been read yet
    if version and not same_link:
        form, feedback = with_version(access, saved or default_form(), version, link_key)
        return Restored(form, feedback, save=True)
    if version or saved is None or reloaded is True:
        return Restored(saved)
    return Restored(None, offered=saved) if worth_offering(saved) else Restored(None)


def _unchanged_fields(outputs: Any) -> dict[str, Any]:
    """``no_update`` for each field output (a list of them for a wildcard output)."""
    listed = outputs.get("fields") if isinstance(outputs, dict) else None
    fields = listed if isinstance(listed, dict) else {}
    return {key: [dash.no_update] * len(slots) if isinstance(slots, list) else dash.no_update
            for key, slots in fields.items()}


def _offer(offered: dict[str, Any] | None) -> dict[str, Any]:
    """The outputs that show (or keep hidden) the offer to resume a draft."""
    if offered is None:
        return {"pending": None, "notice": components.HIDDEN, "notice_text": None}
    return {"pending": {"step": clamp_step(offered.get("step"))}, "notice": components.SHOWN,
            "notice_text": notice_text(offered)}


def restore(access: Access, stamp: Any, experiment_id: Any, draft: Any, restored: Any,
            clone: Any, prefill: Any, model_ids: Any, preset_ids: Any,
            reloaded: Any = None) -> dict[str, Any]:
    """Fills the wizard once per page load; later draft changes are the browser's own."""
    if restored:
        raise dash.exceptions.PreventUpdate
    found = _restored_form(access, stamp, draft, clone, prefill, reloaded)
    if found.form is None:
        return {"fields": _unchanged_fields(ctx.outputs_grouping), "features": dash.no_update,
                "space": dash.no_update, "step": dash.no_update, "restored": True,
                "feedback": found.feedback, "draft": dash.no_update,
                "described": dash.no_update, **_offer(found.offered)}
    form = read_form(found.form, {})
    return {
        **form_outputs(form, model_ids, preset_ids),
        "restored": True,
        "feedback": found.feedback,
        "draft": save_draft(draft, access.experiment_id, form) if found.save else dash.no_update,
        **_offer(None),
    }


def register_restore(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "fields": field_outputs(),
            "features": Output(ids.features, "children"),
            "space": Output(ids.space, "children"),
            "step": Output(ids.step, "data"),
            "restored": Output(ids.restored, "data"),
            "feedback": Output(ids.feedback, "children"),
            "draft": Output(ids.draft, "data"),
            "described": Output(ids.described, "data"),
            "pending": Output(ids.pending, "data"),
            "notice": Output(ids.draft_notice, "style"),
            "notice_text": Output(ids.draft_notice_text, "children"),
        },
        inputs={"stamp": Input(ids.draft, "modified_timestamp")},
        state={
            "experiment_id": EXPERIMENT,
            "draft": State(ids.draft, "data"),
            "restored": State(ids.restored, "data"),
            "clone": State(ids.clone, "data"),
            "prefill": State(ids.prefill, "data"),
            "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
            "preset_ids": State({"type": ids.preset, "model": ALL}, "id"),
            "reloaded": State(ids.reloaded, "data"),
        },
    )(restore)
