"""The trials table (dash-ag-grid): column definitions and one row per trial.

Rows are keyed by ``id`` (the trial number as text, the grid's row id), so a poll sends a
transaction that adds the new trials and updates the ones that changed. Parameter and value
columns use positional fields (``p0``, ``v0``): a parameter's name is user data and only
ever shown as a header, never used as a field path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dashapp.pages.run.live.records import TrialRecord

__all__ = ["column_defs", "grid_row", "grid_rows", "param_column", "row_transaction"]

NUMBER_FILTER = "agNumberColumnFilter"
TEXT_FILTER = "agTextColumnFilter"


def param_column(index: int, name: str) -> dict[str, Any]:
    return {"field": f"p{index}", "headerName": name, "filter": True, "minWidth": 110}


def column_defs(metric_names: Sequence[str], params: Sequence[str]) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = [
        {"field": "number", "headerName": "Trial", "filter": NUMBER_FILTER, "width": 90,
         "sort": "desc", "pinned": "left"},
        {"field": "state", "headerName": "State", "filter": TEXT_FILTER, "width": 110},
    ]
    columns += [
        {"field": f"v{i}", "headerName": name, "filter": NUMBER_FILTER, "minWidth": 110}
        for i, name in enumerate(metric_names)
    ]
    columns += [
        {"field": "duration", "headerName": "Duration (s)", "filter": NUMBER_FILTER,
         "width": 130},
        {"field": "step", "headerName": "Steps", "filter": NUMBER_FILTER, "width": 90},
        {"field": "worker", "headerName": "Worker", "filter": TEXT_FILTER, "minWidth": 120},
        {"field": "gpus", "headerName": "GPU", "filter": TEXT_FILTER, "width": 90},
        {"field": "started", "headerName": "Started (UTC)", "filter": TEXT_FILTER,
         "minWidth": 170},
    ]
    columns += [param_column(i, name) for i, name in enumerate(params)]
    columns.append(
        {"field": "error", "headerName": "Error", "filter": TEXT_FILTER, "minWidth": 220,
         "tooltipField": "error"}
    )
    return columns


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def grid_row(trial: TrialRecord, params: Sequence[str], n_values: int) -> dict[str, Any]:
    elapsed = trial.elapsed_s
    row: dict[str, Any] = {
        "id": str(trial.number),
        "number": trial.number,
        "state": trial.state,
        "duration": round(elapsed, 3) if elapsed is not None else None,
        "step": trial.last_step,
        "worker": trial.worker,
        "gpus": ",".join(str(g) for g in trial.gpu_ids) if trial.gpu_ids else None,
        "started": trial.started_at.strftime("%Y-%m-%d %H:%M:%S")
        if trial.started_at is not None
        else None,
        "error": trial.error.strip().splitlines()[-1][:500] if trial.error else None,
    }
    for i in range(n_values):
        row[f"v{i}"] = trial.values[i] if i < len(trial.values) else None
    for i, name in enumerate(params):
        row[f"p{i}"] = _scalar(trial.params.get(name))
    return row


def grid_rows(
    trials: Iterable[TrialRecord], params: Sequence[str], n_values: int
) -> list[dict[str, Any]]:
    return [grid_row(t, params, n_values) for t in trials]


def row_transaction(
    added: Iterable[TrialRecord],
    updated: Iterable[TrialRecord],
    params: Sequence[str],
    n_values: int,
) -> dict[str, Any] | None:
    add = grid_rows(added, params, n_values)
    update = grid_rows(updated, params, n_values)
    if not add and not update:
        return None
    return {"add": add, "update": update, "async": False}
