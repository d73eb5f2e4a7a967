"""Changes that other pages hand to the wizard with a cloned run, carried in its URL.

``/experiments/<id>/new-run?clone=<run_id>&drop=<token>&adjust=<token>``: ``drop`` lists
feature columns to switch off, ``adjust`` maps parameter names to their new ``ParamSpec``.
Both are JSON in URL-safe base64, so any column or parameter name survives the URL. The
wizard applies them to the cloned spec, then checks the result like any user edit: a link
that carries nonsense is reported, never trusted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from dashapp.paths import app_path
from optunagui.spec import ParamSpec

__all__ = ["Prefill", "apply_prefill", "decode_prefill", "describe_changes", "new_run_href"]

MAX_TOKEN_CHARS = 20_000


@dataclass(frozen=True)
class Prefill:
    drop: tuple[str, ...] = ()
    adjust: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.drop and not self.adjust

    def key(self) -> str:
        """Identifies the changes (a reload of the same link keeps the user's later edits)."""
        return json.dumps({"drop": list(self.drop), "adjust": self.adjust}, sort_keys=True)


def _encode(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str) -> Any:
    if len(token) > MAX_TOKEN_CHARS:
        raise ValueError("too long")
    padded = token + "=" * (-len(token) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValueError("not readable") from error


def new_run_href(experiment_id: int, clone_run_id: int, *, drop: Sequence[str] = (),
                 adjust: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The wizard's URL pre-filled from ``clone_run_id`` with the given changes."""
    query: dict[str, Any] = {"clone": clone_run_id}
    if drop:
        query["drop"] = _encode([str(c) for c in drop])
    if adjust:
        query["adjust"] = _encode({str(k): dict(v) for k, v in adjust.items()})
    return app_path(f"/experiments/{experiment_id}/new-run?{urlencode(query)}")


def _read_token(token: Any, what: str, problems: list[str]) -> Any:
    """The token's value; None, with a problem that names ``what``, when it is unreadable."""
    if not isinstance(token, str) or not token:
        return None
    try:
        return _decode(token)
    except ValueError as error:
        problems.append(f"{what} {error}")
        return None


def decode_prefill(drop: Any = None, adjust: Any = None) -> Prefill:
    """The changes a wizard URL carries; unreadable parts become problems, not errors."""
    problems: list[str] = []
    columns: list[str] = []
    params: dict[str, dict[str, Any]] = {}
    value = _read_token(drop, "drop: the list of features to switch off is", problems)
    if isinstance(value, list) and all(isinstance(c, str) for c in value):
        columns = list(dict.fromkeys(value))
    elif value is not None:
        problems.append("drop: expected a list of column names")
    value = _read_token(adjust, "adjust: the parameter changes are", problems)
    if isinstance(value, dict):
        for name, raw in value.items():
            try:
                params[str(name)] = ParamSpec.model_validate(raw).to_dict()
            except (ValidationError, TypeError) as error:
                detail = str(error).splitlines()[-1] if str(error) else "invalid"
                problems.append(f"adjust.{name}: not a valid parameter range ({detail})")
    elif value is not None:
        problems.append("adjust: expected a mapping of parameter names to ranges")
    return Prefill(tuple(columns), params, tuple(problems))


def apply_prefill(spec: Mapping[str, Any], prefill: Prefill) -> tuple[dict[str, Any], list[str]]:
    """The spec with the changes applied, and a note per change that could not be applied.

    A dropped column joins ``features.exclude``; an adjusted parameter replaces the range of a
    parameter of the same name in the spec's space (unknown names are reported and skipped).
    """
    out = dict(spec)
    notes = list(prefill.problems)
    if prefill.drop:
        features = dict(out.get("features") or {})
        excluded = list(features.get("exclude") or [])
        for column in prefill.drop:
            if column == (out.get("dataset") or {}).get("target"):
                notes.append(f"drop: {column!r} is the target column and stays in")
            elif column not in excluded:
                excluded.append(column)
        features["exclude"] = excluded
        out["features"] = features
    if prefill.adjust:
        space = dict(out.get("space") or {})
        for name, new in prefill.adjust.items():
            if name not in space:
                notes.append(f"adjust.{name}: the run has no such parameter")
                continue
            old = space[name] if isinstance(space[name], Mapping) else {}
            merged = dict(new)
            if old.get("when") and "when" not in merged:
                merged["when"] = old["when"]
            space[name] = merged
        out["space"] = space
    return out, notes


def _bounds(param: Mapping[str, Any]) -> str:
    return f"[{param.get('low')}, {param.get('high')}]"


def _describe_param(name: str, old: Any, new: Mapping[str, Any]) -> str:
    kind = new.get("type")
    if kind == "fixed":
        return f"fixed {name} at {new.get('value')!r}"
    if kind == "categorical":
        return f"limited {name} to {', '.join(map(repr, new.get('choices') or []))}"
    old = old if isinstance(old, Mapping) else {}
    if old.get("type") in ("float", "int") and old.get("type") == kind:
        try:
            wider = new["low"] <= old["low"] and new["high"] >= old["high"]
            narrower = new["low"] >= old["low"] and new["high"] <= old["high"]
        except (KeyError, TypeError):
            wider = narrower = False
        if wider:
            return f"widened {name} to {_bounds(new)}"
        if narrower:
            return f"narrowed {name} to {_bounds(new)}"
    return f"changed {name} to {_bounds(new)}"


def _same(old: Any, new: Mapping[str, Any]) -> bool:
    if not isinstance(old, Mapping):
        return False
    try:
        return ParamSpec.model_validate(old).to_dict() == ParamSpec.model_validate(new).to_dict()
    except (ValidationError, TypeError):
        return old == new


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """What ``apply_prefill`` changed between two specs, one phrase per change."""
    changes: list[str] = []
    old_space = before.get("space") or {}
    for name, new in (after.get("space") or {}).items():
        old = old_space.get(name)
        if isinstance(new, Mapping) and not _same(old, new):
            changes.append(_describe_param(name, old, new))
    old_excluded = set((before.get("features") or {}).get("exclude") or [])
    dropped = [c for c in (after.get("features") or {}).get("exclude") or []
               if c not in old_excluded]
    if dropped:
        noun = "feature" if len(dropped) == 1 else "features"
        changes.append(f"switched off {noun} {', '.join(dropped)}")
    return changes
