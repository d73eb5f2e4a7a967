"""The search-space step's "Suggestions from earlier runs" panel: its components, and what it
draws from the suggestions (``optunagui.recommend.Suggestions``), one block per chosen model;
and the warm start: "Start with the best K configurations of these runs" (a checkbox and K,
kept with the draft, the configurations in its ``warm_start`` field).

Draws only what ``suggest_for_spec`` found among the runs the person may read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp import components
from dashapp.components import HIDDEN
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.tables import space_row_key
from dashapp.pages.new_run.wizard.space_table import format_choices
from optunagui.recommend import DEFAULT_WARM_START, Suggestions, WarmStart
from optunagui.spec.warm_start import MAX_WARM_START

__all__ = ["describe_entry", "suggest_controls", "suggest_ids", "suggestions_panel",
           "warm_start_lines", "warm_start_status"]


class suggest_ids:
    button = "new-run-suggest"
    panel = "new-run-suggest-panel"
    store = "new-run-suggested"  # {"experiment": id, "models": {model: {name: entry}}}
    take_all = "new-run-suggest-take-all"
    take = "new-run-suggest-take"  # pattern, with "row" (model/name)
    status = "new-run-suggest-status"
    warm_status = "new-run-warm-start-status"


def suggest_controls() -> list[Any]:
    """The panel's button, its (empty) result and the suggestions kept for "Take"."""
    return [
        html.Div([
            dbc.Button("Suggest from history", id=suggest_ids.button, color="secondary",
                       outline=True, size="sm", class_name="me-2"),
            html.Span("Suggestions from earlier runs on the same or similar data.",
                      className="small text-muted"),
        ], className="mb-2 mt-3"),
        dcc.Loading(html.Div(id=suggest_ids.panel), type="dot"),
        html.Div([
            dbc.Button("Take all", id=suggest_ids.take_all, color="primary", size="sm",
                       class_name="me-2", style=HIDDEN),
            html.Span(id=suggest_ids.status, className="small text-muted"),
        ], className="mb-2"),
        dcc.Store(id=suggest_ids.store, data=None),
        *_warm_start_controls(),
    ]


def _warm_start_controls() -> list[Any]:
    return [
        html.Div([
            dbc.Checkbox(id=ids.warm_start_use, value=False, label="Start with the best",
                         class_name="d-inline-block me-2"),
            dbc.Input(id=ids.warm_start_count, type="number", min=1, max=MAX_WARM_START, step=1,
                      value=DEFAULT_WARM_START, size="sm", class_name="d-inline-block me-2",
                      style={"width": "5rem"}),
            html.Span("configurations of these runs (evaluated first, before the sampler's "
                      "own trials)", className="small"),
        ], className="mb-1 d-flex align-items-center"),
        dcc.Loading(html.Div(id=suggest_ids.warm_status, className="small mb-2"), type="dot"),
        dcc.Store(id=ids.warm_start, data={}),
    ]


def warm_start_lines(found: Mapping[str, WarmStart]) -> list[str]:
    """Per model: how many configurations the run starts with, from where (their sources)."""
    several = len(found) > 1
    lines = []
    for model, warm in found.items():
        where = f"{model}: " if several else ""
        if not warm.configs:
            lines.append(f"{where}no warm start: {warm.summary}.")
            continue
        sources = "; ".join(config.source for config in warm.configs)
        lines.append(f"{where}{len(warm.configs)} warm-start trials first, {warm.summary} "
                     f"({sources}).")
        lines.extend(f"{where}{note}." for note in warm.notes)
    return lines


def warm_start_status(found: Mapping[str, WarmStart]) -> list[Any]:
    return [html.P(line, className="mb-0", id=f"new-run-warm-start-line-{i}")
            for i, line in enumerate(warm_start_lines(found))]


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def describe_entry(entry: Mapping[str, Any]) -> str:
    """A search-space entry in a few words: ``float 0.01 .. 10 (log)``, ``one of a, b``."""
    kind = entry.get("type")
    if kind == "fixed":
        return f"fixed at {format_choices([entry.get('value')])}"
    if kind == "categorical":
        return "one of " + (format_choices(entry.get("choices")) or "nothing")
    text = f"{kind} {_number(entry.get('low'))} .. {_number(entry.get('high'))}"
    if entry.get("log"):
        text += " (log)"
    if entry.get("step") is not None:
        text += f" step {_number(entry['step'])}"
    return text


def _param_rows(model: str, found: Suggestions) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for param in found.changed():
        take = dbc.Button("Take", id={"type": suggest_ids.take,
                                      "row": space_row_key(model, param.name)},
                          color="link", size="sm", class_name="p-0")
        rows.append([param.name, describe_entry(param.current),
                     html.Strong(describe_entry(param.suggested)), param.reason, take])
    return rows


def _model_block(model: str, found: Suggestions, several: bool) -> list[Any]:
    parts: list[Any] = [html.H6(model, className="mt-2")] if several else []
    if not found.runs:
        parts.append(components.empty_note(f"Nothing to suggest: {found.source}."))
        return parts
    parts.append(html.P(f"Suggestions {found.source}.", className="small mb-1",
                        id=f"new-run-suggest-source-{model}"))
    rows = _param_rows(model, found)
    if not rows:
        parts.append(components.empty_note("Nothing to change: the earlier runs' best trials "
                                           "agree with the current ranges."))
        return parts
    parts.append(components.table(["Parameter", "Current", "Suggested", "Why", ""], rows,
                                  id=f"new-run-suggest-table-{model}"))
    return parts


def suggestions_panel(found: Sequence[tuple[str, Suggestions]]) -> list[Any]:
    """One block per model: where the suggestions come from and each changed parameter."""
    several = len(found) > 1
    parts: list[Any] = []
    for model, suggestions in found:
        parts.extend(_model_block(model, suggestions, several))
    return parts
