"""The half-finished wizard kept in the browser, one form per experiment.

The drafts arrive from the browser and may have been edited: they are read for what they are
worth, and every value is checked again by the spec validation before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_DRAFTS", "draft_form", "save_draft"]

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
