"""What differs between the setups of compared runs: data, task, features, split, model,
metric, search and budget, read from their stored specs. Rows every run agrees on are left
out, so the table says at a glance whether the runs were set up alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

__all__ = ["SETUP_ROWS", "setup_differences", "setup_table"]

Spec = Mapping[str, Any]


def _part(spec: Spec, key: str) -> Mapping[str, Any]:
    value = spec.get(key)
    return value if isinstance(value, Mapping) else {}


def _dataset(spec: Spec) -> str:
    data = _part(spec, "dataset")
    source = data.get("builtin") or str(data.get("path") or "").rsplit("/", 1)[-1] or "—"
    target = data.get("target")
    return f"{source} → {target}" if target else str(source)


def _features(spec: Spec) -> str:
    features = _part(spec, "features")
    excluded = features.get("exclude") or []
    transforms = features.get("transforms") or {}
    parts = []
    if excluded:
        parts.append("without " + ", ".join(str(c) for c in excluded))
    if transforms:
        parts.append("; ".join(f"{c}: {t}" for c, t in sorted(transforms.items())))
    return "; ".join(parts) or "all columns, default preprocessing"


def _split(spec: Spec) -> str:
    split = _part(spec, "split")
    method = split.get("method", "kfold")
    if method == "holdout":
        return f"holdout ({split.get('test_size', 0.2):g} validation)"
    text = f"{method}, {split.get('folds', 5)} folds"
    return text + (f" by {split['group']}" if split.get("group") else "")


def _model(spec: Spec) -> str:
    objective = _part(spec, "objective")
    if objective:
        return f"your code: {objective.get('function') or objective.get('entry') or '?'}"
    if isinstance(spec.get("attached"), Mapping):
        return "attached study"
    preset = spec.get("preset")
    return f"{spec.get('model', '—')}" + (f" ({preset})" if preset and preset != "default"
                                          else "")


def _metrics(spec: Spec) -> str:
    metrics = [m for m in spec.get("metrics") or [] if isinstance(m, Mapping)]
    return ", ".join(f"{m.get('name')} ({m.get('direction', '?')})" for m in metrics) or "—"


def _budget(spec: Spec) -> str:
    budget = _part(spec, "budget")
    text = f"{budget.get('n_trials', '—')} trials, {budget.get('max_concurrent', 1)} at a time"
    if budget.get("timeout_s"):
        text += f", at most {budget['timeout_s']:g} s"
    return text


def _search(spec: Spec) -> str:
    sampler = _part(spec, "sampler").get("name", "tpe")
    pruner = _part(spec, "pruner")
    name = pruner.get("name", "none")
    pruning = "no pruning" if name == "none" else (
        f"{name} pruning from step {pruner.get('grace_period', 1)}")
    return f"{sampler} sampler, {pruning}"


SETUP_ROWS: tuple[tuple[str, Callable[[Spec], str]], ...] = (
    ("Data", _dataset),
    ("Task", lambda spec: str(spec.get("task") or "—")),
    ("Features", _features),
    ("Split", _split),
    ("Model", _model),
    ("Metric", _metrics),
    ("Search", _search),
    ("Budget", _budget),
    ("Quick mode", lambda spec: "yes" if spec.get("quick") else "no"),
)


def setup_differences(specs: Sequence[Any]) -> list[tuple[str, list[str]]]:
    """The setup rows where the runs differ, each with one text per run."""
    readable = [spec if isinstance(spec, Mapping) else {} for spec in specs]
    rows = []
    for label, read in SETUP_ROWS:
        values = [read(spec) for spec in readable]
        if len(set(values)) > 1:
            rows.append((label, values))
    return rows


def setup_table(labels: Sequence[str], specs: Sequence[Any]) -> Any:
    """The differences as a table above the results; a sentence when there are none."""
    rows = setup_differences(specs)
    if len(specs) < 2:
        return None
    if not rows:
        return html.P("Same setup: data, task, features, split, metric, search and budget.",
                      className="text-muted small", id="compare-setup-same")
    header = html.Thead(html.Tr([html.Th("Setup differs")] + [html.Th(label) for label in labels]))
    body = html.Tbody([html.Tr([html.Th(label, scope="row")] + [html.Td(v) for v in values])
                       for label, values in rows])
    return dbc.Table([header, body], bordered=True, size="sm", responsive=True,
                     className="mb-3", id="compare-setup")
