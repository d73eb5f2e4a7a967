"""The wizard's tables: features and search space (with their messages in the rows), and the
data preview.

Every value from data or from a person goes in as a text child, which React escapes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from dashapp import components
from dashapp.pages.new_run.ids import SPACE_ATTRS, ids
from dashapp.pages.new_run.messages import error_line
from optunagui.features import TRANSFORM_WORDS
from optunagui.models import list_models
from optunagui.spec import TRANSFORMS

__all__ = [
    "DEFAULT_TRANSFORM",
    "PREVIEW_ROWS",
    "features_table",
    "preview_table",
    "space_row_key",
    "space_table",
    "table_fields",
]

DEFAULT_TRANSFORM = "default"
PREVIEW_ROWS = 8
MAX_PREVIEW_COLUMNS = 30
PARAM_TYPES = ("float", "int", "categorical", "fixed")


def features_table(rows: Sequence[Mapping[str, Any]], messages: Mapping[str, list[str]]) -> Any:
    if not rows:
        return components.empty_note("Choose a dataset and a target first.")
    transforms = [{"label": DEFAULT_TRANSFORM, "value": DEFAULT_TRANSFORM}] + [
        {"label": t, "value": t} for t in TRANSFORMS
    ]
    body = []
    for row in rows:
        column = str(row.get("column"))
        note = row.get("reason")
        body.append([
            column,
            row.get("kind") or "",
            dbc.Switch(id={"type": ids.feature_use, "column": column},
                       value=bool(row.get("use"))),
            dbc.Select(id={"type": ids.feature_transform, "column": column}, options=transforms,
                       value=row.get("transform") or DEFAULT_TRANSFORM, size="sm"),
            _missing(row.get("missing")),
            html.Div([
                html.Div(default_words(row.get("kind")), className="text-muted small"),
                html.Span(f"suggested off: {note}", className="text-muted small") if note else "",
                error_line(messages.get(f"features.{column}")),
            ]),
        ])
    return components.table(["Column", "Kind", "Use", "Transform", "Missing", "Note"], body,
                            id="new-run-features-table")


def _missing(count: Any) -> str:
    return f"{count:,}" if isinstance(count, int) and not isinstance(count, bool) else ""


def default_words(kind: Any) -> str:
    """What "default" does to a column of this kind (``optunagui.features.default_transform``)."""
    if kind == "numeric":
        scaled = ", ".join(m.name for m in list_models() if m.needs_scaling)
        return (f"default: {TRANSFORM_WORDS['impute_median']}; for {scaled}: "
                f"{TRANSFORM_WORDS['standardize']}")
    if not kind:
        return ""
    return f"default: {TRANSFORM_WORDS['one_hot']}"


def space_row_key(model: str, name: str) -> str:
    return f"{model}/{name}"


def _cell(attr: str, key: str, value: Any, invalid: bool) -> Any:
    cell_id = {"type": f"{ids.space_cell}-{attr}", "row": key}
    if attr == "type":
        return dbc.Select(id=cell_id, options=[{"label": t, "value": t} for t in PARAM_TYPES],
                          value=value or "float", size="sm", invalid=invalid)
    if attr == "log":
        return dbc.Checkbox(id=cell_id, value=bool(value))
    return dbc.Input(id=cell_id, type="text", value="" if value is None else str(value),
                     size="sm", invalid=invalid, debounce=False)


def space_table(
    rows: Sequence[Mapping[str, Any]],
    messages: Mapping[str, list[str]],
    models: Sequence[str],
) -> Any:
    if not rows:
        return components.empty_note("Choose a model first.")
    several = len(set(models)) > 1
    parts: list[Any] = []
    for model in models:
        model_rows = [r for r in rows if r.get("model") == model]
        if not model_rows:
            continue
        if several:
            parts.append(html.H6(model, className="mt-3"))
        parts.append(error_line(messages.get(f"space.{model}")))
        body = []
        for row in model_rows:
            name = str(row.get("name"))
            key = space_row_key(model, name)
            prefix = f"space.{model}.{name}"
            cells: list[Any] = [name]
            row_messages = list(messages.get(prefix, []))
            for attr in SPACE_ATTRS:
                texts = messages.get(f"{prefix}.{attr}")
                row_messages.extend(f"{attr}: {text}" for text in texts or [])
                cells.append(_cell(attr, key, row.get(attr), bool(texts)))
            body.append(cells)
            if row_messages:
                body.append([error_line(row_messages)])
        parts.append(components.table(
            ["Parameter", "Type", "Low", "High", "Log", "Step", "Choices", "Value", "Condition"],
            body, id=f"new-run-space-table-{model}",
        ))
    return parts


def preview_table(records: Sequence[Mapping[str, Any]], kinds: Mapping[str, str]) -> Any:
    if not records:
        return components.empty_note("No rows.")
    columns = list(records[0])
    shown = columns[:MAX_PREVIEW_COLUMNS]
    header = [f"{c} ({kinds.get(c, '?')})" for c in shown]
    rows = [["" if r.get(c) is None else str(r.get(c)) for c in shown]
            for r in records[:PREVIEW_ROWS]]
    note = []
    if len(columns) > len(shown):
        note = [components.empty_note(f"… and {len(columns) - len(shown)} more columns")]
    return [components.table(header, rows, id="new-run-preview-table"), *note]


def table_fields(form: Mapping[str, Any]) -> set[str]:
    """The fields whose messages the features and space tables show in their rows."""
    fields = {f"features.{r.get('column')}" for r in form.get("features") or []}
    for row in form.get("space") or []:
        prefix = f"space.{row.get('model')}.{row.get('name')}"
        fields.add(f"space.{row.get('model')}")
        fields.add(prefix)
        fields.update(f"{prefix}.{attr}" for attr in SPACE_ATTRS)
    return fields
