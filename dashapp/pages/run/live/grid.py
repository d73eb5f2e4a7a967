"""The trials table (dash-ag-grid, infinite row model): column definitions, one row per
trial, and the grid's page requests turned into a store query.

The grid asks for rows as they are paged or scrolled (``startRow``, ``endRow``, its sort and
filter models); ``grid_query`` turns a request into a ``page_trials`` query, so sorting and
filtering happen in the database and a page costs the same at 100 trials as at 100,000. Rows
are keyed by ``id`` (the trial number as text, the grid's row id). Parameter and value columns
use positional fields (``p0``, ``v0``): a parameter's name is user data and only ever shown as
a header, never used as a field path; whether a parameter sorts as a number or as text comes
from its column's filter. A value or parameter that is a float is shown to six significant
digits, as in the header; its full precision is the cell's tooltip (field ``<field>_full``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dashapp.pages.run.live.records import TrialRecord
from optunagui.formatting import short_number
from optunagui.store import TrialCondition, TrialFilter, TrialSort

__all__ = ["GridQuery", "PAGE_ROWS_LIMIT", "column_defs", "grid_query", "grid_row",
           "grid_rows", "param_column", "param_kinds"]

PAGE_ROWS_LIMIT = 500
FIELDS = {"number": "number", "state": "state", "duration": "duration_s", "step": "last_step",
          "worker": "worker", "started": "started_at", "error": "error"}

NUMBER_FILTER = "agNumberColumnFilter"
TEXT_FILTER = "agTextColumnFilter"


FULL = "_full"  # the suffix of the field holding a shortened number's full precision


def param_column(index: int, name: str, kind: str = "number") -> dict[str, Any]:
    return {"field": f"p{index}", "headerName": name, "minWidth": 110,
            "filter": TEXT_FILTER if kind == "text" else NUMBER_FILTER,
            "tooltipField": f"p{index}{FULL}"}


def param_kinds(trials: Iterable[TrialRecord], params: Sequence[str]) -> dict[str, str]:
    """"number" for a parameter whose every value is a number, else "text"."""
    kinds = dict.fromkeys(params, "number")
    for trial in trials:
        for name, value in trial.params.items():
            if name in kinds and (isinstance(value, bool) or not isinstance(value, int | float)):
                kinds[name] = "text"
    return kinds


def column_defs(
    metric_names: Sequence[str], params: Sequence[str], kinds: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = [
        {"field": "number", "headerName": "Trial", "filter": NUMBER_FILTER, "width": 90,
         "sort": "desc", "pinned": "left"},
        {"field": "state", "headerName": "State", "filter": TEXT_FILTER, "width": 110},
    ]
    columns += [
        {"field": f"v{i}", "headerName": name, "filter": NUMBER_FILTER, "minWidth": 110,
         "tooltipField": f"v{i}{FULL}"}
        for i, name in enumerate(metric_names)
    ]
    columns += [
        {"field": "duration", "headerName": "Duration (s)", "filter": NUMBER_FILTER,
         "width": 130},
        {"field": "step", "headerName": "Steps", "filter": NUMBER_FILTER, "width": 90},
        {"field": "worker", "headerName": "Worker", "filter": TEXT_FILTER, "minWidth": 120},
        {"field": "gpus", "headerName": "GPU", "sortable": False, "width": 90},
        {"field": "started", "headerName": "Started (UTC)", "filter": TEXT_FILTER,
         "minWidth": 170},
    ]
    kinds = kinds or {}
    columns += [param_column(i, name, kinds.get(name, "number")) for i, name in enumerate(params)]
    columns.append(
        {"field": "error", "headerName": "Error", "filter": TEXT_FILTER, "minWidth": 220,
         "tooltipField": "error"}
    )
    return columns


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _put(row: dict[str, Any], field: str, value: Any) -> None:
    """``value`` in the cell; a float shortened, with its full precision beside it."""
    if isinstance(value, float):
        shown = short_number(value)
        row[field] = shown
        if shown != repr(value):
            row[field + FULL] = repr(value)
    else:
        row[field] = value


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
        _put(row, f"v{i}", trial.values[i] if i < len(trial.values) else None)
    for i, name in enumerate(params):
        _put(row, f"p{i}", _scalar(trial.params.get(name)))
    return row


def grid_rows(
    trials: Iterable[TrialRecord], params: Sequence[str], n_values: int
) -> list[dict[str, Any]]:
    return [grid_row(t, params, n_values) for t in trials]


@dataclass(frozen=True)
class GridQuery:
    offset: int
    limit: int
    sort: tuple[TrialSort, ...]
    filters: tuple[TrialFilter, ...]


def _field(column: Any, params: Sequence[str], kinds: Mapping[str, str]) -> Any:
    """The store field of a grid column (``v0``, ``p1``, ``state``...); None for none."""
    if not isinstance(column, str):
        return None
    if column in FIELDS:
        return FIELDS[column]
    prefix, index = column[:1], column[1:]
    if not index.isdigit() or len(index) > 6:
        return None
    position = int(index)
    if prefix == "v":
        return ("value", position)
    if prefix == "p" and position < len(params):
        name = params[position]
        return ("param", name, kinds.get(column, "number"))
    return None


def _conditions(model: Mapping[str, Any]) -> tuple[tuple[TrialCondition, ...], bool]:
    parts = model.get("conditions") if isinstance(model.get("conditions"), list) else [model]
    conditions = tuple(
        TrialCondition(str(part.get("type")), part.get("filter"), part.get("filterTo"))
        for part in parts if isinstance(part, Mapping)
    )
    return conditions, model.get("operator") == "OR"


def grid_query(request: Any, params: Sequence[str], kinds: Mapping[str, str]) -> GridQuery:
    """A grid's ``getRowsRequest`` as a store query; columns it does not know are left out.

    ``kinds`` maps a parameter column (``p0``) to "number" or "text".
    """
    request = request if isinstance(request, Mapping) else {}
    start = request.get("startRow")
    end = request.get("endRow")
    offset = start if isinstance(start, int) and start >= 0 else 0
    wanted = end - offset if isinstance(end, int) and end > offset else 100
    sort = []
    for item in request.get("sortModel") or []:
        field = _field(item.get("colId"), params, kinds) if isinstance(item, Mapping) else None
        if field is not None:
            sort.append(TrialSort(field, descending=item.get("sort") == "desc"))
    filters = []
    models = request.get("filterModel")
    for column, model in (models.items() if isinstance(models, Mapping) else ()):
        field = _field(column, params, kinds)
        if field is not None and isinstance(model, Mapping):
            conditions, any_of = _conditions(model)
            filters.append(TrialFilter(field, conditions, any_of=any_of))
    return GridQuery(offset, min(wanted, PAGE_ROWS_LIMIT), tuple(sort), tuple(filters))
