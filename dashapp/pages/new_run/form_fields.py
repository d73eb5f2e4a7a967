"""Between the wizard's components and its form: which inputs and states a callback reads,
how their values become the form, and which outputs put a form back into the components.

Everything here arrives from the browser and may have been edited: values are taken for what
they are worth, and every one is checked again by the spec validation before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import ALL, Input, Output, State

from dashapp.pages.new_run.ids import FIELDS, SPACE_ATTRS, ids
from dashapp.pages.new_run.tables import DEFAULT_TRANSFORM
from dashapp.pages.new_run.wizard.form import default_form
from dashapp.pages.new_run.wizard.steps import LAST_STEP

__all__ = [
    "clamp_step",
    "draft_inputs",
    "field_outputs",
    "field_values",
    "form_states",
    "model_states",
    "read_form",
]

EXTRA_KEYS = ("space_presets", "features_from_spec", "cloned_from", "prefill_key")


def clamp_step(step: Any) -> int:
    """The form's step when it is one of the wizard's, else the first."""
    return step if isinstance(step, int) and 1 <= step <= LAST_STEP else 1


def draft_inputs() -> list[Input]:
    """The inputs of ``clientside.SAVE_DRAFT_JS``, in its order."""
    inputs = [Input(component, prop) for component, prop in FIELDS.values()]
    inputs.append(Input({"type": ids.model_use, "model": ALL}, "value"))
    inputs.append(Input({"type": ids.preset, "model": ALL}, "value"))
    inputs.append(Input({"type": ids.feature_use, "column": ALL}, "value"))
    inputs.append(Input({"type": ids.feature_transform, "column": ALL}, "value"))
    inputs.extend(Input({"type": f"{ids.space_cell}-{attr}", "row": ALL}, "value")
                  for attr in SPACE_ATTRS)
    return inputs


def form_states() -> dict[str, State]:
    """Every state a callback needs to read the whole form."""
    states = {key: State(component, prop) for key, (component, prop) in FIELDS.items()}
    states.update(model_states())
    states["feature_use"] = State({"type": ids.feature_use, "column": ALL}, "value")
    states["feature_transform"] = State({"type": ids.feature_transform, "column": ALL}, "value")
    states["feature_ids"] = State({"type": ids.feature_use, "column": ALL}, "id")
    for attr in SPACE_ATTRS:
        states[f"space_{attr}"] = State({"type": f"{ids.space_cell}-{attr}", "row": ALL}, "value")
    states["space_ids"] = State({"type": f"{ids.space_cell}-type", "row": ALL}, "id")
    return states


def model_states() -> dict[str, State]:
    """The states of the model choices and their presets."""
    return {
        "model_use": State({"type": ids.model_use, "model": ALL}, "value"),
        "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
        "preset_values": State({"type": ids.preset, "model": ALL}, "value"),
        "preset_ids": State({"type": ids.preset, "model": ALL}, "id"),
    }


def field_outputs(*, duplicate: bool = False) -> dict[str, Output]:
    """Outputs that set every plain field (by form key), the model choices (``models``) and
    the presets (``presets``), for restoring (``duplicate``: for a second callback that does)."""
    outputs = {key: Output(component, prop, allow_duplicate=duplicate)
               for key, (component, prop) in FIELDS.items()}
    outputs["models"] = Output({"type": ids.model_use, "model": ALL}, "value",
                               allow_duplicate=duplicate)
    outputs["presets"] = Output({"type": ids.preset, "model": ALL}, "value",
                                allow_duplicate=duplicate)
    return outputs


def field_values(form: Mapping[str, Any], model_ids: list[dict],
                 preset_ids: list[dict]) -> dict[str, Any]:
    """The values for ``field_outputs``, from a form."""
    values: dict[str, Any] = {key: form.get(key) for key in FIELDS}
    models = set(form.get("models") or [])
    presets = form.get("presets") or {}
    values["models"] = [slot.get("model") in models for slot in model_ids]
    values["presets"] = [presets.get(slot.get("model"), "default") for slot in preset_ids]
    return values


def _pairs(id_list: Any, value_list: Any) -> list[tuple[dict, Any]]:
    if not isinstance(id_list, list) or not isinstance(value_list, list):
        return []
    return [(i, v) for i, v in zip(id_list, value_list, strict=False) if isinstance(i, dict)]


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def read_form(previous: Mapping[str, Any] | None, values: Mapping[str, Any]) -> dict[str, Any]:
    """The form from the components' values, on top of the previous draft."""
    form = default_form()
    if isinstance(previous, Mapping):
        form.update({k: v for k, v in previous.items() if k in form or k in EXTRA_KEYS})
    for key in FIELDS:
        if key in values:
            form[key] = values[key]
    form["shuffle"] = bool(form.get("shuffle"))
    form["quick"] = bool(form.get("quick"))
    if not isinstance(form.get("metrics"), list):
        form["metrics"] = []
    if not isinstance(form.get("options"), Mapping):
        form["options"] = {}
    if "model_ids" in values:
        form["models"] = [str(i.get("model")) for i, v in
                          _pairs(values.get("model_ids"), values.get("model_use")) if v]
        form["presets"] = {str(i.get("model")): str(v or "default") for i, v in
                           _pairs(values.get("preset_ids"), values.get("preset_values"))}
    if "feature_ids" in values:
        meta = {r.get("column"): r for r in form.get("features") or [] if isinstance(r, Mapping)}
        rows = []
        transforms = values.get("feature_transform") or []
        for index, (slot, use) in enumerate(_pairs(values.get("feature_ids"),
                                                   values.get("feature_use"))):
            column = str(slot.get("column"))
            transform = transforms[index] if index < len(transforms) else DEFAULT_TRANSFORM
            old = meta.get(column) or {}
            rows.append({
                "column": column, "kind": old.get("kind", ""), "reason": old.get("reason"),
                "missing": old.get("missing"),
                "use": bool(use),
                "transform": "" if transform in (None, DEFAULT_TRANSFORM) else str(transform),
            })
        form["features"] = rows
    if "space_ids" in values:
        rows = []
        for index, slot in enumerate(values.get("space_ids") or []):
            if not isinstance(slot, dict) or "/" not in str(slot.get("row")):
                continue
            model, name = str(slot["row"]).split("/", 1)
            row: dict[str, Any] = {"model": model, "name": name}
            for attr in SPACE_ATTRS:
                column = values.get(f"space_{attr}") or []
                row[attr] = _text(column[index]) if index < len(column) else None
            rows.append(row)
        form["space"] = rows
    return form
