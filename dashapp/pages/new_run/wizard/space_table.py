"""The wizard's search-space table: one editable row per parameter, read back to ParamSpec
dicts (every problem named by its cell), and the preset's rows to start from or reset to."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from optunagui.spec import ParamSpec
from optunagui.spec.space import preset_space

__all__ = [
    "SPACE_ATTRS",
    "clean_param",
    "format_choices",
    "format_when",
    "merge_space_rows",
    "parse_space_row",
    "space_rows",
]

SPACE_ATTRS = ("type", "low", "high", "log", "step", "choices", "value", "when")


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if not math.isinf(value) else str(value)
    return str(value)


def _flow(values: Sequence[Any]) -> str:
    text = yaml.safe_dump(list(values), default_flow_style=True, width=10_000).strip()
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


def format_choices(choices: Sequence[Any] | None) -> str:
    """``[None, "balanced"]`` -> ``"null, balanced"`` (YAML flow items)."""
    return _flow(choices) if choices else ""


def format_when(when: Mapping[str, Sequence[Any]] | None) -> str:
    """``{"kernel": ["rbf", "poly"]}`` -> ``"kernel: rbf, poly"``; several parents with ``;``."""
    if not when:
        return ""
    return "; ".join(f"{parent}: {_flow(values)}" for parent, values in when.items())


def _row(model: str, name: str, param: ParamSpec) -> dict[str, Any]:
    return {
        "model": model,
        "name": name,
        "type": param.type,
        "low": _scalar_text(param.low),
        "high": _scalar_text(param.high),
        "log": bool(param.log),
        "step": _scalar_text(param.step),
        "choices": format_choices(param.choices),
        "value": "" if param.type != "fixed" else _flow([param.value]),
        "when": format_when(param.when),
    }


def space_rows(model: str, space: Mapping[str, ParamSpec]) -> list[dict[str, Any]]:
    return [_row(model, name, param) for name, param in space.items()]


def merge_space_rows(
    models: Sequence[str],
    presets: Mapping[str, str],
    previous: Sequence[Mapping[str, Any]] | None,
    previous_presets: Mapping[str, str] | None,
) -> list[dict[str, Any]]:
    """The table for the chosen models: rows already edited are kept while the model and its
    preset stay the same; a new model, or a changed preset, starts from the preset's ranges."""
    kept: dict[str, list[dict[str, Any]]] = {}
    for row in previous or []:
        if isinstance(row, Mapping) and isinstance(row.get("model"), str):
            kept.setdefault(row["model"], []).append(dict(row))
    rows: list[dict[str, Any]] = []
    for model in models:
        preset = presets.get(model, "default")
        same_preset = (previous_presets or {}).get(model, "default") == preset
        if model in kept and same_preset:
            rows.extend(kept[model])
            continue
        try:
            rows.extend(space_rows(model, preset_space(model, preset)))
        except KeyError:
            continue  # an unknown model or preset: the model step reports it
    return rows


def _parse_items(text: str) -> list[Any]:
    loaded = yaml.safe_load("[" + text + "]")
    if not isinstance(loaded, list):
        raise ValueError("not a list")
    return loaded


def _number(text: Any, what: str) -> float | int | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number")
    if isinstance(text, int | float):
        return text
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(f"{what} must be a number, got {str(text)[:40]!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number")
    written = str(text).lower()
    if value.is_integer() and "." not in written and "e" not in written:
        return int(value)
    return value


def parse_space_row(row: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A table row as a ParamSpec-shaped dict, and (attribute, message) for what cannot be read."""
    problems: list[tuple[str, str]] = []
    param: dict[str, Any] = {"type": row.get("type") or "float"}
    kind = param["type"]
    if kind in ("float", "int"):
        for attr in ("low", "high", "step"):
            try:
                value = _number(row.get(attr), attr)
            except ValueError as error:
                problems.append((attr, str(error)))
                continue
            if value is not None:
                param[attr] = value
        if row.get("log"):
            param["log"] = True
    elif kind == "categorical":
        text = str(row.get("choices") or "")
        try:
            param["choices"] = _parse_items(text) if text.strip() else []
        except (yaml.YAMLError, ValueError):
            problems.append(("choices", "write the choices separated by commas, e.g. 16, 32, 64"))
    elif kind == "fixed":
        text = str(row.get("value") or "")
        try:
            items = _parse_items(text) if text.strip() else []
        except (yaml.YAMLError, ValueError):
            items = [text]
        if len(items) != 1:
            problems.append(("value", "a fixed parameter takes exactly one value"))
        else:
            param["value"] = items[0]
    when_text = str(row.get("when") or "").strip()
    if when_text:
        when: dict[str, list[Any]] = {}
        for part in when_text.split(";"):
            parent, sep, values = part.partition(":")
            try:
                parsed = _parse_items(values) if sep else []
            except (yaml.YAMLError, ValueError):
                parsed = []
            if not sep or not parent.strip() or not parsed:
                problems.append(("when", "write conditions as parent: value, value (several "
                                         "parents separated by ;), e.g. kernel: rbf, poly"))
                break
            when[parent.strip()] = parsed
        else:
            param["when"] = when
    return param, problems


def clean_param(param: Mapping[str, Any]) -> dict[str, Any]:
    """A stored parameter without the empty fields a JSON dump of the model adds."""
    data = {k: v for k, v in param.items() if v is not None or k == "value"}
    if data.get("type") != "fixed":
        data.pop("value", None)
    return data
