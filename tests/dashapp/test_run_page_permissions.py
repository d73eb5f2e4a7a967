"""The run page over HTTP: who sees what, and who may steer the run.

Callbacks are posted to ``/_dash-update-component`` the way the browser does (and the way an
attacker would, with any ids): viewers see the views but no controls, and the control
callbacks refuse viewers, members of other experiments and anonymous visitors whatever they
post; editors' requests land on the run's row.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from optunagui.store import Run, append_events, update_run_status, upsert_trials
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

SPACE = {
    "learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
    "max_depth": {"type": "int", "low": 2, "high": 8},
    "booster": {"type": "categorical", "choices": ["gbtree", "dart"]},
}
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

SHOW = "..run-denied.children"
POLL = "run-history-graph.figure@"
CONTROL = "run-control-feedback.children"
RANGES = "run-ranges-feedback.children"
AXES = "run-scatter-figure@"
ROWS = "run-trials-grid.getRowsResponse"
DETAIL = "run-trial-detail.children"
BUTTONS = ("pause", "resume", "stop")


def _trial(number: int, state: str, value: float | None = None, **extra: Any) -> dict[str, Any]:
    started = T0 + timedelta(seconds=10 * number)
    row = {
        "number": number,
        "state": state,
        "params": {"learning_rate": 0.01 * (number + 1), "max_depth": 2 + number % 6,
                   "booster": "gbtree"},
        "started_at": started,
        "worker": "node-1",
        "gpu_ids": [number % 2],
    }
    if state != "running":
        row.update(finished_at=started + timedelta(seconds=5), duration_s=5.0)
    if value is not None:
        row["values"] = [value]
    row.update(extra)
    return row


@pytest.fixture
def live_run(world, database):
    """Alpha's run, running, with a space, five trials (one failed) and their events."""
    with database.session() as session:
        run = session.get(Run, world.run_id)
        run.current_space = SPACE
        run.n_trials_budget = 20
        update_run_status(session, world.run_id, "running")
        upsert_trials(
            session,
            world.run_id,
            [
                _trial(0, "complete", 0.9),
                _trial(1, "pruned"),
                _trial(2, "complete", 0.95),
                _trial(3, "failed", error="Traceback ...\nValueError: <b>bad</b> input"),
                _trial(4, "running"),
            ],
        )
        append_events(
            session,
            world.run_id,
            [{"kind": "started", "trial_number": n, "worker": "node-1"} for n in range(5)]
            + [
                {"kind": "result", "trial_number": n, "step": s,
                 "metrics": {"accuracy": 0.5 + s / 10}}
                for n in range(5)
                for s in range(3)
            ],
        )
    return world.run_id


def _run_values(run_id: int, **extra: Any) -> dict[str, Any]:
    return {"run_id": str(run_id), **extra}


def _response(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _rows(client, app, run_id: int, live: Any, first: dict[str, Any], **request: Any
          ) -> dict[str, Any]:
    """The trials table's page for a getRowsRequest (newest first, as the grid asks)."""
    asked = {"startRow": 0, "endRow": 50, "sortModel": [{"colId": "number", "sort": "desc"}],
             "filterModel": {}, **request}
    values = _run_values(run_id, request=asked, live=live,
                         columns=first["run-deferred-views"]["data"]["columns"])
    return _response(post_callback(client, app, callback_key(app, ROWS), values))[
        "run-trials-grid"]["getRowsResponse"]


def test_trials_table_pages_sort_and_filter_on_the_server(app, client_for, live_run):
    client = client_for("vic")
    first = _response(post_callback(client, app, callback_key(app, SHOW), _run_values(live_run)))
    live = first["run-live-state"]["data"]
    page = _rows(client, app, live_run, live, first, sortModel=[{"colId": "number",
                                                                   "sort": "asc"}])
    rows = page["rowData"]
    assert [row["state"] for row in rows] == ["complete", "pruned", "complete", "failed", "running"]
    assert rows[3]["error"] == "ValueError: <b>bad</b> input" and page["rowCount"] == 5
    best_first = _rows(client, app, live_run, live, first, sortModel=[{"colId": "v0",
                                                                        "sort": "desc"}])
    assert [row["number"] for row in best_first["rowData"][:2]] == [2, 0]
    by_param = _rows(client, app, live_run, live, first, startRow=1, endRow=3,
                     sortModel=[{"colId": "p0", "sort": "desc"}])
    assert [row["number"] for row in by_param["rowData"]] == [3, 2]
    assert by_param["rowCount"] == 5
    filtered = _rows(client, app, live_run, live, first, filterModel={
        "state": {"filterType": "text", "type": "equals", "filter": "complete"},
        "v0": {"filterType": "number", "type": "greaterThan", "filter": 0.92}})
    assert [row["number"] for row in filtered["rowData"]] == [2] and filtered["rowCount"] == 1
    bad = _rows(client, app, live_run, live, first, filterModel={
        "v0": {"filterType": "number", "type": "greaterThan", "filter": "lots"}})
    assert bad == {"rowData": [], "rowCount": 0}


def test_trials_table_refuses_an_outsider(app, client_for, live_run):
    values = _run_values(live_run, request={"startRow": 0, "endRow": 50}, live=None, columns=[])
    response = post_callback(client_for("otto"), app, callback_key(app, ROWS), values)
    assert "complete" not in response.get_data(as_text=True)


def _control(database, run_id: int) -> dict[str, Any] | None:
    with database.session() as session:
        return session.get(Run, run_id).control


def test_run_page_viewer_sees_the_views_but_no_controls(app, client_for, live_run):
    response = post_callback(client_for("vic"), app, callback_key(app, SHOW), _run_values(live_run))
    body = _response(response)
    assert body["run-controls"]["style"] == {"display": "none"}
    assert body["run-ranges-form"]["children"] is None
    history = body["run-history-graph"]["figure"]["data"]
    assert list(history[0]["x"]) == [0, 2] and list(history[0]["y"]) == [0.9, 0.95]
    deferred = body["run-deferred-views"]["data"]  # drawn after the history, polling with them
    assert deferred["poll_off"] is False
    assert {"curves", "scatter", "timeline"} <= set(deferred)
    assert body["run-title"]["children"] == RUN_NAME


def test_run_page_editor_sees_controls_and_the_current_ranges(app, client_for, live_run):
    body = _response(
        post_callback(client_for("ed"), app, callback_key(app, SHOW), _run_values(live_run))
    )
    assert body["run-controls"]["style"] == {}
    form = json.dumps(body["run-ranges-form"]["children"])
    assert '"param": "learning_rate"' in form and "0.001" in form


def test_run_page_refuses_outsiders_without_leaking(app, client_for, live_run):
    response = post_callback(client_for("otto"), app, callback_key(app, SHOW),
                             _run_values(live_run))
    text = response.get_data(as_text=True)
    assert "does not exist, or you have no access" in text
    assert RUN_NAME not in text and "learning_rate" not in text and "0.95" not in text


@pytest.mark.parametrize("bad_id", ["999", "0", "-1", "1 OR 1=1", "", None, True, "x" * 40])
def test_run_page_unknown_or_malformed_id_is_a_clear_page(app, client_for, live_run, bad_id):
    response = post_callback(client_for("ada"), app, callback_key(app, SHOW), {"run_id": bad_id})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "does not exist, or you have no access" in text
    assert RUN_NAME not in text


def test_run_page_route_serves_the_shell_to_members_only(app, client_for, live_run):
    assert client_for("vic").get(f"/runs/{live_run}").status_code == 200
    assert client_for("anonymous").get(f"/runs/{live_run}").status_code in (302, 401)


@pytest.mark.parametrize("who", ["anonymous", "share", "otto", "vic"])
@pytest.mark.parametrize("button", ["pause", "resume", "stop"])
def test_run_controls_refuse_viewers_and_outsiders(
    app, client_for, database, live_run, who, button
):
    values = _run_values(live_run, **{b: (1 if b == button else None) for b in BUTTONS})
    response = post_callback(
        client_for(who), app, callback_key(app, CONTROL), values, changed=[f"run-{button}.n_clicks"]
    )
    assert response.status_code in (204, 401)
    assert _control(database, live_run) is None
    with database.session() as session:
        assert session.get(Run, live_run).status == "running"


def test_run_pause_by_an_editor_writes_the_request(app, client_for, database, world, live_run):
    values = _run_values(live_run, pause=1, resume=None, stop=None)
    response = post_callback(client_for("ed"), app, callback_key(app, CONTROL), values)
    assert "Pause requested" in response.get_data(as_text=True)
    control = _control(database, live_run)
    assert control["kind"] == "pause" and control["requested_by"] == world.user_ids["ed"]


def test_run_stop_by_an_owner_asks_the_running_driver(
    app, client_for, database, world, live_run, monkeypatch
):
    from cluster.launch import submit

    monkeypatch.setattr(submit, "is_driver_alive", lambda run: True)
    values = _run_values(live_run, pause=None, resume=None, stop=1)
    response = post_callback(
        client_for("olivia"), app, callback_key(app, CONTROL), values,
        changed=["run-stop.n_clicks"],
    )
    assert "Stop requested" in response.get_data(as_text=True)
    assert _control(database, live_run)["kind"] == "stop"


def test_run_stop_without_a_driver_marks_the_run_stopped(app, client_for, database, live_run):
    values = _run_values(live_run, pause=None, resume=None, stop=1)
    post_callback(
        client_for("ed"), app, callback_key(app, CONTROL), values, changed=["run-stop.n_clicks"]
    )
    with database.session() as session:
        run = session.get(Run, live_run)
        assert run.status == "stopped"
        assert "no driver" in run.status_reason


def test_run_resume_of_a_paused_run_relaunches_its_driver(
    app, client_for, database, live_run, monkeypatch
):
    from cluster.launch import submit

    launched = []
    monkeypatch.setattr(
        submit, "submit_run", lambda run_id, settings, db=None: launched.append(run_id)
    )
    with database.session() as session:
        update_run_status(session, live_run, "paused")
    values = _run_values(live_run, pause=None, resume=1, stop=None)
    response = post_callback(
        client_for("ed"), app, callback_key(app, CONTROL), values, changed=["run-resume.n_clicks"]
    )
    assert "Resumed" in response.get_data(as_text=True)
    assert launched == [live_run]


def test_run_resume_waits_for_a_paused_driver_still_exiting(
    app, client_for, database, live_run, monkeypatch
):
    import os

    from cluster.launch import submit

    launched = []
    monkeypatch.setattr(
        submit, "submit_run", lambda run_id, settings, db=None: launched.append(run_id)
    )
    monkeypatch.setattr(submit, "is_driver_alive", lambda run: run.driver_pid == os.getpid())
    with database.session() as session:
        update_run_status(session, live_run, "paused")
        session.get(Run, live_run).driver_pid = os.getpid()
    values = _run_values(live_run, pause=None, resume=1, stop=None)
    response = post_callback(
        client_for("ed"), app, callback_key(app, CONTROL), values, changed=["run-resume.n_clicks"]
    )
    assert "still saving its state" in response.get_data(as_text=True)
    assert launched == []


def test_run_controls_refuse_a_finished_run(app, client_for, database, live_run):
    with database.session() as session:
        update_run_status(session, live_run, "completed")
    values = _run_values(live_run, pause=1, resume=None, stop=None)
    response = post_callback(client_for("ed"), app, callback_key(app, CONTROL), values)
    assert "has finished" in response.get_data(as_text=True)
    assert _control(database, live_run) is None


def _ranges_body(app, run_id: int, edits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    key = callback_key(app, RANGES)
    names = list(edits)

    def pattern(kind: str, field: str, prop: str = "value") -> list[dict[str, Any]]:
        return [
            {"id": {"type": kind, "param": n}, "property": prop,
             "value": edits[n][field] if prop == "value" else {"type": kind, "param": n}}
            for n in names
        ]

    kinds = {"low": "run-range-low", "high": "run-range-high", "log": "run-range-log",
             "step": "run-range-step"}
    state = [{"id": "run-id", "property": "data", "value": str(run_id)}]
    state += [pattern(kinds[f], f) for f in ("low", "high", "log", "step")]
    state += [pattern(kinds[f], f, "id") for f in ("low", "high", "log", "step")]
    return {
        "output": key,
        "outputs": [
            {"id": "run-ranges-feedback", "property": "children"},
            [{"id": {"type": "run-range-message", "param": n}, "property": "children"}
             for n in names],
        ],
        "inputs": [{"id": "run-ranges-apply", "property": "n_clicks", "value": 1}],
        "state": state,
        "changedPropIds": ["run-ranges-apply.n_clicks"],
    }


def _post_ranges(client, app, run_id: int, edits: dict[str, dict[str, Any]]):
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    body = _ranges_body(app, run_id, edits)
    return client.post("/_dash-update-component", json=body, headers=headers)


GOOD = {
    "learning_rate": {"low": "0.01", "high": "0.1", "log": True, "step": ""},
    "max_depth": {"low": "3", "high": "8", "log": False, "step": ""},
}


def test_run_ranges_by_an_editor_write_the_whole_new_space(app, client_for, database, live_run):
    response = _post_ranges(client_for("ed"), app, live_run, GOOD)
    body = _response(response)
    assert "New ranges requested for learning_rate, max_depth" in json.dumps(body)
    control = _control(database, live_run)
    assert control["kind"] == "ranges"
    assert control["payload"] == {
        "learning_rate": {"type": "float", "low": 0.01, "high": 0.1, "log": True},
        "max_depth": {"type": "int", "low": 3, "high": 8},
        "booster": {"type": "categorical", "choices": ["gbtree", "dart"]},
    }


def test_run_ranges_bad_input_is_reported_by_field_and_nothing_is_written(
    app, client_for, database, live_run
):
    edits = {
        "learning_rate": {"low": "0.5", "high": "0.1", "log": True, "step": ""},
        "max_depth": {"low": "2.5", "high": "eight", "log": False, "step": ""},
    }
    body = _response(_post_ranges(client_for("ed"), app, live_run, edits))
    messages = body["run-range-message"] if "run-range-message" in body else None
    text = json.dumps(body)
    assert "Nothing was changed" in text
    assert "low: low (0.5) is greater than high (0.1)" in text
    assert "high: not a number" in text
    assert messages is None or isinstance(messages, dict)
    assert _control(database, live_run) is None


@pytest.mark.parametrize("who", ["anonymous", "share", "otto", "vic"])
def test_run_ranges_refuse_viewers_and_outsiders(app, client_for, database, live_run, who):
    response = _post_ranges(client_for(who), app, live_run, GOOD)
    assert response.status_code in (204, 401)
    assert _control(database, live_run) is None


def _poll(client, app, run_id: int, live: Any):
    values = {"tick": 1, "run_id": str(run_id), "live": live, "x_param": "learning_rate",
              "y_param": "max_depth"}
    return post_callback(client, app, callback_key(app, POLL), values)


def test_run_poll_sends_only_the_new_events(app, client_for, database, live_run):
    client = client_for("vic")
    first = _response(post_callback(client, app, callback_key(app, SHOW), _run_values(live_run)))
    live = first["run-live-state"]["data"]
    assert _poll(client, app, live_run, live).status_code == 204  # nothing new
    with database.session() as session:
        upsert_trials(session, live_run, [_trial(4, "complete", 0.97), _trial(5, "running")])
        append_events(
            session,
            live_run,
            [
                {"kind": "completed", "trial_number": 4},
                {"kind": "started", "trial_number": 5, "worker": "node-2"},
                {"kind": "result", "trial_number": 5, "step": 0, "metrics": {"accuracy": 0.6}},
            ],
        )
    body = _response(_poll(client, app, live_run, live))
    page = _rows(client, app, live_run, body["run-live-state"]["data"], first)
    assert [(r["number"], r["state"]) for r in page["rowData"][:2]] == [
        (5, "running"), (4, "complete")]
    assert page["rowCount"] == 6
    operations = body["run-history-graph"]["figure"]["operations"]
    extended = {tuple(op["location"]): op["params"]["value"] for op in operations}
    assert extended[("data", 0, "x")] == [4] and extended[("data", 0, "y")] == [0.97]
    assert extended[("data", 1, "y")] == [0.97]
    new_state = body["run-live-state"]["data"]
    assert new_state["cursor"] > live["cursor"] and new_state["best"] == [4, 0.97]


def test_run_poll_redraws_the_figures_whole_once_enough_trials_were_appended(
        app, client_for, database, live_run):
    from dashapp.pages.run.poll import REDRAW_AFTER

    client = client_for("vic")
    first = _response(post_callback(client, app, callback_key(app, SHOW), _run_values(live_run)))
    live = first["run-live-state"]["data"]
    assert live["appended"] == 0
    with database.session() as session:
        upsert_trials(session, live_run, [_trial(4, "complete", 0.97)])
        append_events(session, live_run, [{"kind": "completed", "trial_number": 4}])
    patched = _response(_poll(client, app, live_run, live))
    assert "operations" in patched["run-history-graph"]["figure"]  # a patch: appended
    live = patched["run-live-state"]["data"]
    assert live["appended"] == 1
    numbers = range(5, 5 + REDRAW_AFTER)
    with database.session() as session:
        upsert_trials(session, live_run, [_trial(n, "complete", 0.5) for n in numbers])
        append_events(session, live_run,
                      [{"kind": "completed", "trial_number": n} for n in numbers])
    body = _response(_poll(client, app, live_run, live))
    history = body["run-history-graph"]["figure"]
    assert "operations" not in history  # drawn whole, from the run as it is
    assert list(history["data"][0]["x"]) == [0, 2, 4, *numbers]
    assert "operations" not in body["run-scatter-graph"]["figure"]
    assert body["run-live-state"]["data"]["appended"] == 0
    assert body["run-live-state"]["data"]["cursor"] > live["cursor"]


def test_run_poll_refuses_outsiders_and_forged_state(app, client_for, world, live_run):
    state = {"run_id": live_run, "cursor": 0}
    assert _poll(client_for("otto"), app, live_run, state).status_code == 204
    # A member's browser sending another run's id in its state gets nothing either.
    forged = {"run_id": live_run + 1, "cursor": 0}
    assert _poll(client_for("vic"), app, live_run, forged).status_code == 204


def test_run_trial_detail_shows_a_failed_trials_error_as_text(app, client_for, live_run):
    values = {"clicked": {"rowId": "3", "colId": "error"}, "run_id": str(live_run)}
    response = post_callback(client_for("vic"), app, callback_key(app, DETAIL), values)
    children = _response(response)["run-trial-detail"]["children"]
    error = next(c for c in children if c["props"].get("id") == "run-trial-error")
    # The message is a text child (React escapes it), never markup.
    assert error["type"] == "Pre"
    assert error["props"]["children"] == "Traceback ...\nValueError: <b>bad</b> input"


def test_run_trial_detail_refuses_outsiders(app, client_for, live_run):
    values = {"clicked": {"rowId": "3"}, "run_id": str(live_run)}
    response = post_callback(client_for("otto"), app, callback_key(app, DETAIL), values)
    assert response.status_code == 204
