"""Between the wizard's components and its form: which states a callback reads, how their
values become the form, and the draft kept in the browser per experiment.

Everything here arrives from the browser and may have been edited: values are taken for what
they are worth, and every one is checked again by the spec validation before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dash import ALL, Input, Output, State

from dashapp.pages.new_run.ids import FIELDS, SPACE_ATTRS, ids
from dashapp.pages.new_run.render import DEFAULT_TRANSFORM
from dashapp.pages.new_run.wizard.form import default_form

__all__ = [
    "MAX_DRAFTS",
    "SAVE_DRAFT_JS",
    "draft_inputs",
    "draft_form",
    "field_outputs",
    "field_values",
    "form_states",
    "read_form",
    "save_draft",
]

MAX_DRAFTS = 20
EXTRA_KEYS = ("space_presets", "features_from_spec", "cloned_from", "prefill_key")


# Keeps the draft in step with every edit, in the browser (so a reload between Back/Next loses
# nothing). The same reading as ``read_form``; the server reads the components again anyway.
SAVE_DRAFT_JS = """
function() {
    var args = Array.prototype.slice.call(arguments);
    var keys = KEYS, attrs = ATTRS, n = keys.length;
    var lists = window.dash_clientside.callback_context.inputs_list;
    var draft = args[args.length - 3], exp = args[args.length - 2], step = args[args.length - 1];
    if (exp === null || exp === undefined) { return window.dash_clientside.no_update; }
    var drafts = Object.assign({}, draft || {});
    var form = Object.assign({}, drafts[String(exp)] || {});
    keys.forEach(function(k, i) { form[k] = args[i]; });
    form.models = lists[n].filter(function(x) { return x.value; })
                          .map(function(x) { return x.id.model; });
    form.presets = {};
    lists[n + 1].forEach(function(x) { form.presets[x.id.model] = x.value || "default"; });
    var meta = {};
    (form.features || []).forEach(function(r) { meta[r.column] = r; });
    form.features = lists[n + 2].map(function(x, i) {
        var t = (lists[n + 3][i] || {}).value, old = meta[x.id.column] || {};
        return {column: x.id.column, kind: old.kind || "", reason: old.reason || null,
                use: !!x.value, transform: (t && t !== "default") ? t : ""};
    });
    var rows = lists[n + 4].map(function(x) {
        var parts = String(x.id.row).split("/");
        return {model: parts[0], name: parts.slice(1).join("/")};
    });
    attrs.forEach(function(a, j) {
        lists[n + 4 + j].forEach(function(x, i) { if (rows[i]) { rows[i][a] = x.value; } });
    });
    form.space = rows;
    form.step = step;
    drafts[String(exp)] = form;
    return drafts;
}
""".replace("KEYS", json.dumps(list(FIELDS))).replace("ATTRS", json.dumps(list(SPACE_ATTRS)))


def draft_inputs() -> list[Input]:
    """The inputs of ``SAVE_DRAFT_JS``, in its order."""
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
    states["model_use"] = State({"type": ids.model_use, "model": ALL}, "value")
    states["model_ids"] = State({"type": ids.model_use, "model": ALL}, "id")
    states["preset_values"] = State({"type": ids.preset, "model": ALL}, "value")
    states["preset_ids"] = State({"type": ids.preset, "model": ALL}, "id")
    states["feature_use"] = State({"type": ids.feature_use, "column": ALL}, "value")
    states["feature_transform"] = State({"type": ids.feature_transform, "column": ALL}, "value")
    states["feature_ids"] = State({"type": ids.feature_use, "column": ALL}, "id")
    for attr in SPACE_ATTRS:
        states[f"space_{attr}"] = State({"type": f"{ids.space_cell}-{attr}", "row": ALL}, "value")
    states["space_ids"] = State({"type": f"{ids.space_cell}-type", "row": ALL}, "id")
    return states


def field_outputs(*, duplicate: bool = False) -> list[Output]:
    """Outputs that set every plain field, the model choices and the presets (for restoring)."""
    outputs = [Output(c, p, allow_duplicate=duplicate) for c, p in FIELDS.values()]
    outputs.append(Output({"type": ids.model_use, "model": ALL}, "value"))
    outputs.append(Output({"type": ids.preset, "model": ALL}, "value"))
    return outputs


def field_values(form: Mapping[str, Any], model_ids: list[dict], preset_ids: list[dict]) -> list:
    """The values for ``field_outputs``, from a form."""
    values: list[Any] = [form.get(key) for key in FIELDS]
    models = set(form.get("models") or [])
    presets = form.get("presets") or {}
    values.append([slot.get("model") in models for slot in model_ids])
    values.append([presets.get(slot.get("model"), "default") for slot in preset_ids])
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
