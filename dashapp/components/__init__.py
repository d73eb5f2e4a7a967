"""Small building blocks shared by pages: tables, badges, messages, time formatting.

Everything user-written goes in as text children, which React renders escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components.code import code_label
from dashapp.paths import app_path
from optunagui.formatting import format_time
from optunagui.status import RunStatus

__all__ = [
    "BASELINE_BUTTON",
    "attached_badge",
    "HIDDEN",
    "SHOWN",
    "STATUS_COLORS",
    "baseline_badge",
    "quick_badge",
    "empty_note",
    "format_time",
    "format_value",
    "link_status_badge",
    "message",
    "role_badge",
    "runs_table",
    "status_badge",
    "table",
]

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}

STATUS_COLORS: dict[str, str] = {
    RunStatus.queued: "secondary",
    RunStatus.running: "primary",
    RunStatus.paused: "warning",
    RunStatus.completed: "success",
    RunStatus.stopped: "dark",
    RunStatus.failed: "danger",
}


def format_value(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6g}"


def status_badge(status: str | None) -> dbc.Badge:
    text = status or "no runs"
    return dbc.Badge(text, color=STATUS_COLORS.get(text, "light"), text_color=None, pill=True)


def link_status_badge(status: str) -> dbc.Badge:
    colors = {"valid": "success", "expired": "secondary", "revoked": "dark"}
    return dbc.Badge(status, color=colors.get(status, "light"), pill=True)


def role_badge(role: str | None) -> dbc.Badge:
    return dbc.Badge(role or "—", color="info" if role == "owner" else "secondary", pill=True)


def message(text: Any, color: str = "info", **kwargs: Any) -> dbc.Alert:
    return dbc.Alert(text, color=color, class_name="py-2 mb-2", **kwargs)


def empty_note(text: str) -> html.P:
    return html.P(text, className="text-muted mb-0")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], **kwargs: Any) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        hover=True,
        size="sm",
        responsive=True,
        **kwargs,
    )


BASELINE_BUTTON = "experiment-baseline"  # pattern-matching type, with "run" and "action"


def baseline_badge() -> dbc.Badge:
    return dbc.Badge("baseline", color="info", pill=True, class_name="ms-2 run-baseline-badge")


def quick_badge(**kwargs: Any) -> dbc.Badge:
    """Marks a quick-mode run: few trials on a subsample, so its results are a first look."""
    return dbc.Badge("quick", color="warning", text_color="dark", pill=True,
                     class_name="ms-2 run-quick-badge", **kwargs)


def attached_badge(**kwargs: Any) -> dbc.Badge:
    """Marks an attached study: an Optuna study run by the user's own code, mirrored here."""
    return dbc.Badge("attached", color="info", pill=True, class_name="ms-2 run-attached-badge",
                     **kwargs)


def _baseline_cells(run_id: int, baseline_id: int | None, can_pin: bool,
                    link: bool) -> list[Any]:
    """A link comparing the run with the baseline, and (editors) the pin / unpin button."""
    cells: list[Any] = []
    is_baseline = run_id == baseline_id
    if link and baseline_id is not None and not is_baseline:
        cells.append(dcc.Link("Compare with baseline", className="me-3",
                              href=app_path(f"/compare?runs={baseline_id},{run_id}"),
                              id={"type": "experiment-compare-baseline", "run": run_id}))
    if can_pin:
        action = "unpin" if is_baseline else "pin"
        cells.append(dbc.Button(
            "Unpin" if is_baseline else "Pin as baseline",
            id={"type": BASELINE_BUTTON, "run": run_id, "action": action},
            color="link", size="sm", class_name="p-0 align-baseline"))
    return cells


def _best_cell(run: Any) -> Any:
    metric = getattr(run, "metric", None)
    if run.best_value is None or not metric:
        return format_value(run.best_value)
    return html.Span([format_value(run.best_value),
                      html.Span(f" {metric}", className="text-muted small")])


def runs_table(runs: Sequence[Any], *, link_runs: bool, clone_into: int | None = None,
               baseline_id: int | None = None, can_pin: bool = False) -> Any:
    """The runs of an experiment: status, best value, trials done/pruned/failed, who, when.

    A run with a true ``quick`` attribute gets a "quick" badge next to its name; a run with an
    ``entry`` (a run of the user's own code) gets "your code" and its entry point, and no
    "Clone run" link (the wizard builds runs of built-in models); an ``attached`` one (a study
    run by its own code) gets "attached" and no "Clone run" either.

    Args:
        link_runs: each run's name links to its page (and, with a baseline, to its comparison
            with the baseline).
        clone_into: the experiment whose wizard a "Clone" link per run opens (editors only).
        baseline_id: the experiment's baseline run, marked "baseline"; the other runs get a
            "Compare with baseline" link.
        can_pin: a "Pin as baseline" / "Unpin" button per run (editors only).
    """
    if not runs:
        return empty_note("No runs yet.")
    headers = ["Run", "Status", "Best value", "Trials done / pruned / failed", "Started by", "When"]
    with_baseline = baseline_id is not None or can_pin
    if with_baseline:
        headers.append("Baseline")
    if clone_into is not None:
        headers.append("")
    rows = []
    for run in runs:
        name: Any = run.name
        if link_runs:
            name = dcc.Link(run.name, href=app_path(f"/runs/{run.id}"))
        badges = []
        if getattr(run, "quick", False):
            badges.append(quick_badge())
        if run.id == baseline_id:
            badges.append(baseline_badge())
        entry = getattr(run, "entry", None)
        if entry:
            badges.append(code_label(entry))
        attached = bool(getattr(run, "attached", False))
        if attached:
            badges.append(attached_badge())
        if badges:
            name = html.Span([name, *badges])
        row = [
            name,
            status_badge(run.status),
            _best_cell(run),
            f"{run.trials_complete} / {run.trials_pruned} / {run.trials_failed}",
            run.started_by or "—",
            format_time(run.started_at or run.created_at),
        ]
        if with_baseline:
            row.append(_baseline_cells(run.id, baseline_id, can_pin, link_runs) or "—")
        if clone_into is not None:
            row.append("" if entry or attached else dcc.Link(
                "Clone run",
                href=app_path(f"/experiments/{clone_into}/new-run?clone={run.id}"),
                id={"type": "experiment-clone-run", "run": run.id},
            ))
        rows.append(row)
    return table(headers, rows)
