"""The half-finished wizard kept in the browser, one form per experiment, and the offer to
resume it.

The drafts arrive from the browser and may have been edited: they are read for what they are
worth, and every value is checked again by the spec validation before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashapp.pages.new_run.form_fields import clamp_step, read_form
from dashapp.pages.new_run.ids import FIELDS
from dashapp.pages.new_run.wizard.form import default_form
from optunagui.datasets import BUILTIN_DATASETS

__all__ = ["MAX_DRAFTS", "draft_dataset", "draft_form", "notice_text", "save_draft",
           "worth_offering"]

MAX_DRAFTS = 20


def draft_form(draft: Any, experiment_id: int) -> dict[str, Any] | None:
    """This experiment's half-finished wizard from the browser's storage, if any."""
    if not isinstance(draft, Mapping):
        return None
    form = draft.get(str(experiment_id))
    return dict(form) if isinstance(form, Mapping) else None


def save_draft(draft: Any, experiment_id: int, form: Mapping[str, Any] | None) -> dict:
    """The storage with this experiment's form replaced (None: removed); the oldest drafts go
    when there are more than ``MAX_DRAFTS``."""
    drafts = dict(draft) if isinstance(draft, Mapping) else {}
    key = str(experiment_id)
    drafts.pop(key, None)
    if form is not None:
        drafts[key] = dict(form)
    while len(drafts) > MAX_DRAFTS:
        drafts.pop(next(iter(drafts)))
    return drafts


def worth_offering(form: Mapping[str, Any]) -> bool:
    """Whether a draft holds anything a fresh wizard does not: past step 1, or a field, model
    or preset changed."""
    read = read_form(form, {})
    fresh = default_form()
    if clamp_step(read.get("step")) > 1:
        return True
    changed = [key for key in FIELDS if key != "options" and read.get(key) != fresh.get(key)]
    return bool(changed) or read["models"] != fresh["models"] or read["presets"] != fresh["presets"]


def draft_dataset(form: Mapping[str, Any]) -> str:
    """The data a draft reads, as the person knows it: the file's name or the dataset's label."""
    if form.get("source") == "upload":
        upload = form.get("upload") if isinstance(form.get("upload"), Mapping) else {}
        name = upload.get("filename") or upload.get("name")
        return str(name)[:100] if name else "no file uploaded yet"
    info = BUILTIN_DATASETS.get(str(form.get("builtin")))
    return info.label if info is not None else "no dataset chosen"


def notice_text(form: Mapping[str, Any]) -> str:
    step = clamp_step(form.get("step"))
    return f"You have an unfinished draft (step {step}, {draft_dataset(form)}) —"
