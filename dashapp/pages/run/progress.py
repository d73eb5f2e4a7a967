"""The run page's "Progress" card: the header drawn for a run, and the elapsed time.

The first render and every poll redraw the header from the run, its trial counts and the
page's live state; the elapsed time ticks in the browser (``SHOW_ELAPSED``) from the start and
end times in the run's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html

from dashapp import services
from dashapp.attached_runs import attached_note, tracker_note
from dashapp.pages.run.ids import ids
from dashapp.pages.run.live.header import header_record, render_header
from dashapp.pages.run.live.records import RunInfo
from dashapp.pages.run.live.state import LiveState
from optunagui.store import get_run

__all__ = ["SHOW_ELAPSED", "clock", "header", "progress_card", "register_progress_callbacks"]

SHOW_ELAPSED = """
function(n, clock) {
    if (!clock || !clock.started) { return "—"; }
    var end = clock.finished ? Date.parse(clock.finished) : Date.now();
    var s = Math.max(0, Math.round((end - Date.parse(clock.started)) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var pad = function(x) { return (x < 10 ? "0" : "") + x; };
    if (h) { return h + " h " + pad(m) + " min"; }
    if (m) { return m + " min " + pad(r) + " s"; }
    return r + " s";
}
"""


def progress_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Progress"),
            dbc.CardBody(
                [
                    html.Div(
                        ["Elapsed: ", html.Span("—", id=ids.elapsed)],
                        className="small text-muted mb-2",
                    ),
                    html.Div(id=ids.header),
                ]
            ),
        ],
        class_name="mb-3",
    )


def clock(run: RunInfo) -> dict[str, str | None]:
    """The run's start and end times, for the elapsed time the browser ticks."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {"started": iso(run.started_at), "finished": iso(run.finished_at)}


def _is_quick(run_id: int) -> bool:
    with services.database().read_session() as session:
        run = get_run(session, run_id)
        return bool(run is not None and (run.spec or {}).get("quick"))


def header(run: RunInfo, counts: Mapping[str, int], state: LiveState) -> list[Any]:
    """The header's children for the run as the page's live state knows it."""
    record = header_record(
        run,
        counts,
        best=state.best,
        best_params=state.best_params,
        workers=state.running.values(),
        now=datetime.now(UTC),
        quick=_is_quick(run.id),
    )
    return [*attached_note(run.id), *tracker_note(run.id), *render_header(record)]


def register_progress_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(
        SHOW_ELAPSED,
        Output(ids.elapsed, "children"),
        Input(ids.poll, "n_intervals"),
        Input(ids.clock, "data"),
    )
