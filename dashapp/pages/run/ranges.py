"""Adjusting a running run's ranges: the form, and the check of what the browser sent.

Only numeric ranges change mid-run (low, high, log, step); a parameter keeps its type, and a
categorical its choices, as the driver requires. Every edited parameter is validated with
``ParamSpec`` and each problem is reported against its field; nothing is written while any
problem remains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from pydantic import ValidationError

from dashapp.pages.run.ids import ids
from optunagui.spec import ParamSpec

__all__ = ["EDITABLE_FIELDS", "RangeCheck", "check_ranges", "ranges_form"]

EDITABLE_FIELDS = ("low", "high", "log", "step")
NUMERIC = ("float", "int")


def _key(kind: str, name: str) -> dict[str, str]:
    return {"type": kind, "param": name}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def ranges_form(space: Mapping[str, Any]) -> list[Any]:
    """One row per parameter: numeric ranges are editable, the others shown as they are."""
    if not space:
        return [html.P("This run has no search space recorded yet.", className="text-muted")]
    header = html.Tr(
        [html.Th(h) for h in ("Parameter", "Type", "Low", "High", "Log", "Step", "")]
    )
    rows = []
    for name, raw in space.items():
        spec = raw if isinstance(raw, Mapping) else {}
        kind = str(spec.get("type", "?"))
        if kind in NUMERIC:
            cells = [
                html.Td(
                    dbc.Input(id=_key(ids.range_low, name), value=_text(spec.get("low")),
                              size="sm", debounce=True)
                ),
                html.Td(
                    dbc.Input(id=_key(ids.range_high, name), value=_text(spec.get("high")),
                              size="sm", debounce=True)
                ),
                html.Td(dbc.Checkbox(id=_key(ids.range_log, name), value=bool(spec.get("log")))),
                html.Td(
                    dbc.Input(id=_key(ids.range_step, name), value=_text(spec.get("step")),
                              size="sm", debounce=True, placeholder="none")
                ),
            ]
        else:
            shown = spec.get("choices") if kind == "categorical" else spec.get("value")
            cells = [html.Td(html.Code(_text(shown)), colSpan=4, className="text-muted")]
        rows.append(
            html.Tr(
                [
                    html.Td(name),
                    html.Td(kind),
                    *cells,
                    html.Td(
                        html.Div(id=_key(ids.range_message, name), className="text-danger small")
                        if kind in NUMERIC
                        else None
                    ),
                ]
            )
        )
    return [dbc.Table([html.Thead(header), html.Tbody(rows)], size="sm", class_name="mb-2")]


@dataclass
class RangeCheck:
    """Attributes:
        space: the whole new space (every parameter), when there is no problem.
        problems: parameter -> field -> message.
        changed: the parameters whose range differs from the current one.
    """

    space: dict[str, dict[str, Any]] | None = None
    problems: dict[str, dict[str, str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


def _number(value: Any) -> tuple[float | int | None, str | None]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "not a number"
    if isinstance(value, int | float):
        return value, None
    if isinstance(value, str) and len(value) <= 40:
        text = value.strip()
        try:
            return (int(text) if text.lstrip("-+").isdigit() else float(text)), None
        except ValueError:
            pass
    return None, "not a number"


def _field_problems(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        message = str(item.get("msg", "invalid"))
        if location and location[0] in EDITABLE_FIELDS:
            found.setdefault(location[0], message)
            continue
        text = message.removeprefix("Value error, ")
        for part in text.split("; "):
            name, _, detail = part.partition(": ")
            if name in EDITABLE_FIELDS and detail:
                found.setdefault(name, detail)
            else:
                found.setdefault("low", part)
    return found


def check_ranges(space: Mapping[str, Any], edits: Mapping[str, Mapping[str, Any]]) -> RangeCheck:
    """Validate the edited ranges against the run's current space.

    Args:
        space: the current space, ``{name: ParamSpec dict}``.
        edits: ``{name: {"low", "high", "log", "step"}}`` as the browser sent them.
    """
    result = RangeCheck()
    new_space: dict[str, dict[str, Any]] = {}
    for name, raw in space.items():
        current = dict(raw) if isinstance(raw, Mapping) else {}
        edit = edits.get(name)
        if current.get("type") not in NUMERIC or not isinstance(edit, Mapping):
            new_space[name] = current
            continue
        merged = dict(current)
        problems: dict[str, str] = {}
        for key in ("low", "high", "step"):
            value, problem = _number(edit.get(key))
            if problem:
                problems[key] = problem
            merged[key] = value
        merged["log"] = bool(edit.get("log")) if isinstance(edit.get("log"), bool) else False
        if merged.get("step") is None:
            merged.pop("step", None)
        if not problems:
            try:
                validated = ParamSpec.model_validate(merged).to_dict()
            except ValidationError as error:
                problems = _field_problems(error)
            else:
                new_space[name] = validated
                old = ParamSpec.model_validate(current).to_dict() if current else current
                if validated != old:
                    result.changed.append(name)
        if problems:
            result.problems[name] = problems
    if not result.problems:
        result.space = new_space
    return result
