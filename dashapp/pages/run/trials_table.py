"""The run page's trials table: rows served a page at a time from the store.

The grid (infinite row model, paginated) asks for the rows it shows; ``trial_rows`` answers
with that page, sorted and filtered in the database, and the number of trials that pass the
filters. When a poll brings new events the browser refreshes the pages it holds (at most every
``REFRESH_EVERY_MS``), so new trials and changed states appear without a reload. A trial that
evaluated a warm-start configuration says so beside its state.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_ag_grid as dag
from dash import Input, Output, State
from sqlalchemy.exc import SQLAlchemyError

from dashapp import guard, services
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live import LiveState, load_run_info
from dashapp.pages.run.live.grid import TEXT_FILTER, grid_query, grid_rows
from dashapp.pages.run.live.records import trial_record
from dashapp.permissions import Role
from optunagui.store import page_trials

__all__ = ["PAGE_SIZE", "REFRESH_EVERY_MS", "WARM_START_BADGE",
           "register_trials_table_callbacks", "trial_rows", "trials_grid"]

log = logging.getLogger(__name__)
PAGE_SIZE = 50
#: Beside the state of a trial that evaluated one of the spec's warm-start configurations.
WARM_START_BADGE = "warm start"
#: The table reloads its pages at most this often while a run goes on. Each reload leaves
#: about forty of the grid's React state updates behind in memory (dash-ag-grid 35's infinite
#: row model), so reloading at every poll grew the page by tens of MB an hour.
REFRESH_EVERY_MS = 5000
REFRESH = """(state, gridId) => {
    const every = EVERY_MS;
    const timers = window.__ogGridRefresh = window.__ogGridRefresh || {};
    const slot = timers[gridId] = timers[gridId] || {last: 0, timer: null};
    const reload = () => {
        slot.last = Date.now();
        slot.timer = null;
        if (window.dash_ag_grid && window.dash_ag_grid.getApi) {
            try { window.dash_ag_grid.getApi(gridId).refreshInfiniteCache(); } catch (e) {}
        }
    };
    if (state && slot.timer === null) {
        const wait = slot.last + every - Date.now();
        if (wait <= 0) { reload(); } else { slot.timer = setTimeout(reload, wait); }
    }
    return window.dash_clientside.no_update;
}""".replace("EVERY_MS", str(REFRESH_EVERY_MS))


def trials_grid() -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.grid,
        rowModelType="infinite",
        columnDefs=[],
        getRowId="params.data.id",
        defaultColDef={"sortable": True, "resizable": True},
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": PAGE_SIZE,
            "cacheBlockSize": PAGE_SIZE,
            "maxBlocksInCache": 20,
            "tooltipShowDelay": 300,
            "animateRows": False,
        },
        style={"height": "480px"},
    )


def _kinds(columns: Any) -> dict[str, str]:
    """Each parameter column's kind, as its filter says (see ``grid.param_column``)."""
    kinds: dict[str, str] = {}
    for column in columns if isinstance(columns, list) else []:
        field = column.get("field") if isinstance(column, dict) else None
        if isinstance(field, str) and field.startswith("p"):
            kinds[field] = "text" if column.get("filter") == TEXT_FILTER else "number"
    return kinds


def trial_rows(access: Access, request: Any, run_id: Any, live: Any, columns: Any) -> Any:
    """One page of the table for the grid's ``getRowsRequest``."""
    if not isinstance(request, dict):
        raise dash.exceptions.PreventUpdate
    state = LiveState.from_data(live)
    params = list(state.params) if state is not None and state.run_id == access.run_id else []
    query = grid_query(request, params, _kinds(columns))
    try:
        with services.database().read_session() as session:
            run = load_run_info(session, access.run_id)
            page = page_trials(session, access.run_id, offset=query.offset, limit=query.limit,
                               sort=query.sort, filters=query.filters)
    except (ValueError, SQLAlchemyError) as error:
        log.info("trials table of run %s: %s", access.run_id, error)
        return {"rowData": [], "rowCount": 0}
    n_values = len(run.metric_names) if run is not None else 1
    records = [trial_record(row) for row in page.rows]
    rows = grid_rows(records, params, n_values)
    for row, record in zip(rows, records, strict=True):
        if record.warm_start is not None:
            row["state"] = f"{row['state']} · {WARM_START_BADGE}"
    return {"rowData": rows, "rowCount": page.total}


def register_trials_table_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.grid, "getRowsResponse"),
        inputs={"request": Input(ids.grid, "getRowsRequest")},
        state={"run_id": State(ids.run, "data"), "live": State(ids.state, "data"),
               "columns": State(ids.grid, "columnDefs")},
        prevent_initial_call=True,
    )(trial_rows)
    app.clientside_callback(
        REFRESH,
        Output(ids.grid_refreshed, "data"),
        Input(ids.state, "data"),
        State(ids.grid, "id"),
        prevent_initial_call=True,
    )

