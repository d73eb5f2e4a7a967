"""Warm-start trials on the run page: a badge in the trials table, a star of their own in the
history (first render and live poll), a line in the trial detail; outsiders get none of it."""

from __future__ import annotations

from typing import Any

import pytest

from optunagui.store import Run, append_events, update_run_status, upsert_trials
from tests.dashapp.conftest import callback_key, post_callback
from tests.dashapp.test_run_page_permissions import (
    DETAIL,
    ROWS,
    SHOW,
    SPACE,
    _poll,
    _response,
    _rows,
    _run_values,
    _trial,
)

WARM = [{"learning_rate": 0.01, "max_depth": 2}, {"learning_rate": 0.02, "max_depth": 3}]


def _warm(number: int, state: str, value: float | None = None) -> dict[str, Any]:
    return _trial(number, state, value, user_attrs={"warm_start": number, "device": "cpu"})


@pytest.fixture
def warm_run(world, database):
    """Alpha's run with two warm-start configurations: trial 0 done, trial 1 running."""
    with database.session() as session:
        run = session.get(Run, world.run_id)
        run.current_space = SPACE
        run.spec = {**run.spec, "warm_start": WARM}
        update_run_status(session, world.run_id, "running")
        upsert_trials(session, world.run_id, [_warm(0, "complete", 0.9), _warm(1, "running"),
                                              _trial(2, "complete", 0.8)])
        append_events(session, world.run_id, [
            {"kind": "started", "trial_number": n, "worker": "node-1"} for n in range(3)])
    return world.run_id


def _history(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["run-history-graph"]["figure"]["data"]


def test_warm_start_trials_are_marked_in_table_history_and_detail(
        app, client_for, database, warm_run):
    client = client_for("vic")
    first = _response(post_callback(client, app, callback_key(app, SHOW), _run_values(warm_run)))
    warm_trace = _history(first)[4]
    assert warm_trace["name"] == "warm start" and warm_trace["marker"]["symbol"] == "star"
    assert (warm_trace["x"], warm_trace["y"]) == ([0], [0.9])
    assert _history(first)[0]["x"] == [0, 2]  # still among the trials' points

    live = first["run-live-state"]["data"]
    page = _rows(client, app, warm_run, live, first,
                 sortModel=[{"colId": "number", "sort": "asc"}])
    assert [row["state"] for row in page["rowData"]] == [
        "complete · warm start", "running · warm start", "complete"]

    detail = _response(post_callback(client, app, callback_key(app, DETAIL),
                                     {"clicked": {"rowId": "0"}, "run_id": str(warm_run)}))
    assert "configuration 0 of the spec's warm_start" in str(detail)
    plain = _response(post_callback(client, app, callback_key(app, DETAIL),
                                    {"clicked": {"rowId": "2"}, "run_id": str(warm_run)}))
    assert "Warm start" not in str(plain)

    with database.session() as session:
        upsert_trials(session, warm_run, [_warm(1, "complete", 0.95)])
        append_events(session, warm_run, [{"kind": "completed", "trial_number": 1}])
    body = _response(_poll(client, app, warm_run, live))
    operations = body["run-history-graph"]["figure"]["operations"]
    extended = {tuple(op["location"]): op["params"]["value"] for op in operations}
    assert extended[("data", 4, "x")] == [1] and extended[("data", 4, "y")] == [0.95]
    assert extended[("data", 0, "x")] == [1]


def test_warm_start_marks_are_not_shown_to_outsiders(app, client_for, warm_run):
    client = client_for("otto")
    rows = post_callback(client, app, callback_key(app, ROWS), _run_values(
        warm_run, request={"startRow": 0, "endRow": 50}, live=None, columns=[]))
    assert "warm start" not in rows.get_data(as_text=True)
    assert _poll(client, app, warm_run, {"run_id": warm_run, "cursor": 0}).status_code == 204
