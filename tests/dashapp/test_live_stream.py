"""One poll, computed: what new events change, and that the payload follows them, not the study."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import plotly.utils

from dashapp.pages.run.live.curves import curves_patch
from dashapp.pages.run.live.history import history_patch
from dashapp.pages.run.live.reads import Tick
from dashapp.pages.run.live.records import EventRecord, RunInfo, TrialRecord
from dashapp.pages.run.live.scatter import scatter_patch
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.stream import advance, is_done
from dashapp.pages.run.live.timeline import timeline_patch

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _run(status: str = "running") -> RunInfo:
    return RunInfo(
        id=1, experiment_id=1, name="r", status=status, status_reason=None, metric="auc",
        direction="maximize", metric_names=("auc",), n_trials_budget=100, timeout_s=None,
        cpu_per_trial=1.0, gpu_per_trial=0.0, created_at=T0, started_at=T0, finished_at=None,
        pending_control=None, space={},
    )


def _event(event_id: int, event_kind: str, number: int | None, **metrics) -> EventRecord:
    return EventRecord(event_id, event_kind, number, metrics.pop("step", None), metrics, "node-1",
                       T0 + timedelta(seconds=event_id))


def _row(number: int, state: str, value: float | None = None) -> TrialRecord:
    return TrialRecord(
        number=number, state=state, values=(value,) if value is not None else (),
        params={"x": number / 10, "y": number % 3}, started_at=T0 + timedelta(seconds=number),
        finished_at=T0 + timedelta(seconds=number + 2) if state != "running" else None,
        worker="node-1",
    )


def test_advance_adds_new_trials_and_updates_running_ones():
    state = LiveState(run_id=1, cursor=10, metric="auc", running={3: "node-1"}, last_number=3,
                      status="running", best=(1, 0.5), params=("x", "y"))
    tick = Tick(
        run=_run(),
        events=[
            _event(11, "completed", 3),
            _event(12, "started", 4),
            _event(13, "result", 4, step=1, auc=0.4),
            _event(14, "control", None, kind="pause", status="pausing"),
        ],
        trials={3: _row(3, "complete", 0.8), 4: _row(4, "running")},
        counts={"running": 1, "complete": 3, "pruned": 0, "failed": 0},
        exhausted=True,
    )
    changes = advance(state, tick)
    assert [t.number for t in changes.updated] == [3]
    assert [t.number for t in changes.added] == [4]
    assert changes.points == [(3, 0.8)] and changes.best_points == [(3, 0.8)]
    assert [m.x for m in changes.marks] == [4]
    assert changes.curves.add[0].number == 4
    new = changes.state
    assert new.cursor == 14 and new.best == (3, 0.8) and new.best_params == {"x": 0.3, "y": 0}
    assert new.running == {4: "node-1"} and new.curves == (4,)
    assert not is_done(new, tick)


def test_advance_uses_the_event_state_when_the_row_lags_behind():
    state = LiveState(run_id=1, cursor=0, running={2: "node-1"})
    tick = Tick(_run(), [_event(1, "pruned", 2)], {2: _row(2, "running")}, None, True)
    changes = advance(state, tick)
    assert changes.updated[0].state == "pruned"
    assert changes.state.running == {}


def test_advance_knows_a_trial_from_its_events_before_its_row_exists():
    tick = Tick(_run(), [_event(1, "started", 9)], {}, None, True)
    changes = advance(LiveState(run_id=1), tick)
    assert changes.added[0].number == 9 and changes.added[0].state == "running"


def test_polling_is_done_once_the_run_finished_and_every_event_is_read():
    state = LiveState(run_id=1)
    assert is_done(state, Tick(_run("completed"), [], {}, None, exhausted=True))
    assert not is_done(state, Tick(_run("completed"), [], {}, None, exhausted=False))
    assert not is_done(state, Tick(_run("paused"), [], {}, None, exhausted=True))


def test_live_state_round_trips_and_rejects_what_it_did_not_write():
    state = LiveState(run_id=3, cursor=7, best=(2, 0.5), best_params={"a": 1},
                      running={4: "w"}, curves=(1, 4), params=("a",))
    assert LiveState.from_data(json.loads(json.dumps(state.to_data()))) == state
    for forged in (None, [], {"run_id": "3", "cursor": 0}, {"run_id": 3, "cursor": -1},
                   {"run_id": True, "cursor": 0}):
        assert LiveState.from_data(forged) is None
    odd = LiveState.from_data({"run_id": 3, "cursor": 1, "running": {"x": 1, "5": "w"},
                               "best": ["a", 1], "direction": "sideways"})
    assert odd.running == {5: "w"} and odd.best is None and odd.direction == "maximize"


def _payload(n_new: int, n_study: int) -> int:
    """Bytes of everything a poll sends, for n_new finished trials in a study of n_study."""
    numbers = range(n_study, n_study + n_new)
    state = LiveState(run_id=1, cursor=n_study * 3, last_number=n_study - 1,
                      running={n: "node-1" for n in numbers}, status="running")
    events = [_event(n_study * 3 + i + 1, "completed", n) for i, n in enumerate(numbers)]
    trials = {n: _row(n, "complete", n / 1e5) for n in numbers}
    changes = advance(state, Tick(_run(), events, trials, None, True))
    outputs = [
        history_patch(changes.points, changes.best_points, changes.marks),
        curves_patch(changes.curves),
        scatter_patch(changes.complete, "x", "y"),
        timeline_patch(changes.finished),
        changes.state.to_data(),
    ]
    return len(json.dumps(outputs, cls=plotly.utils.PlotlyJSONEncoder))


def test_poll_payload_grows_with_new_events_not_with_the_study():
    # The same ten events in a study of 100 or of 10,000 trials: only longer numbers differ.
    assert abs(_payload(10, 100) - _payload(10, 10_000)) < 200
    ten, hundred = _payload(10, 10_000), _payload(100, 10_000)
    per_event = (hundred - ten) / 90
    fixed = ten - 10 * per_event
    assert 100 < per_event < 1000
    assert fixed < 2500
