"""A whole form put back into the wizard's components: its fields, its two tables, its step,
and the data it reads (so that putting it back does not count as the person changing the data).
Shared by page load (``restore.py``) and the draft choices (``draft_choice.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashapp.pages.new_run import tables
from dashapp.pages.new_run.form_fields import clamp_step, field_values
from dashapp.pages.new_run.wizard.follow import data_key
from dashapp.pages.new_run.wizard.form import chosen_models

__all__ = ["form_outputs"]


def form_outputs(form: Mapping[str, Any], model_ids: Any, preset_ids: Any) -> dict[str, Any]:
    """The ``fields``, ``features``, ``space``, ``step`` and ``described`` outputs for ``form``
    (a form read by ``read_form``)."""
    return {
        "fields": field_values(form, model_ids or [], preset_ids or []),
        "features": tables.features_table(form["features"], {}),
        "space": tables.space_table(form["space"], {}, chosen_models(form)),
        "step": clamp_step(form.get("step")),
        "described": data_key(form.get("source"), form.get("builtin"), form.get("upload"),
                              form.get("target")),
    }
