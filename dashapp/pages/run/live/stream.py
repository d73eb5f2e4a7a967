"""One poll, computed: the new events and the rows they name in, what each view appends out.

``advance`` is pure: it takes the page's state and a ``Tick`` (``dashapp.pages.run.live.reads``) and
returns a ``Changes`` whose size follows the number of new events, never the study's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dashapp.pages.run.live.curves import CurvesChange, curve_points, curves_change
from dashapp.pages.run.live.history import ControlMark, HistoryRecord, control_mark, extend_history
from dashapp.pages.run.live.reads import TRIAL_KINDS, Tick
from dashapp.pages.run.live.records import EventRecord, TrialRecord
from dashapp.pages.run.live.state import LiveState
from dashapp.pages.run.live.timeline import lane
from optunagui.status import TERMINAL_RUN_STATUSES

__all__ = ["Changes", "advance", "is_done", "trial_from_events"]


@dataclass
class Changes:
    state: LiveState
    points: list[tuple[int, float]] = field(default_factory=list)
    warm_points: list[tuple[int, float]] = field(default_factory=list)  # warm-start trials'
    best_points: list[tuple[int, float]] = field(default_factory=list)
    marks: list[ControlMark] = field(default_factory=list)
    curves: CurvesChange = field(default_factory=CurvesChange)
    complete: list[TrialRecord] = field(default_factory=list)
    finished: list[TrialRecord] = field(default_factory=list)
    added: list[TrialRecord] = field(default_factory=list)
    updated: list[TrialRecord] = field(default_factory=list)
    new_params: list[str] = field(default_factory=list)
    ranges_changed: bool = False
    status_changed: bool = False

    @property
    def any_events(self) -> bool:
        return bool(self.points or self.marks or self.added or self.updated or
                    not self.curves.empty)


def trial_from_events(number: int, events: list[EventRecord]) -> TrialRecord:
    """A trial known only from its events (its row is not written yet)."""
    state = "running"
    worker = None
    started = None
    for event in events:
        worker = event.worker or worker
        if event.kind == "started":
            started = event.created_at
        state = event.trial_state or state
    return TrialRecord(number=number, state=state, worker=worker, started_at=started)


def _merge_state(row: TrialRecord, events: list[EventRecord]) -> TrialRecord:
    """The row, with the state its newest trial event gives when the row lags behind."""
    last = next((e.trial_state for e in reversed(events) if e.trial_state), None)
    if last is None or row.state == last or row.is_finished:
        return row
    return replace(row, state=last)


def advance(state: LiveState, tick: Tick) -> Changes:
    """Apply the tick's events (oldest first) to the page's state."""
    changes = Changes(state=state)
    running = dict(state.running)
    last_number = state.last_number
    history = HistoryRecord(
        metric=state.metric, direction=state.direction, best=state.best, line_x=state.line_x
    )
    best_params = dict(state.best_params)
    by_trial: dict[int, list[EventRecord]] = {}
    ranges = state.ranges
    for event in tick.events:
        if event.trial_number is not None:
            last_number = max(last_number, event.trial_number)
            if event.kind in TRIAL_KINDS:
                by_trial.setdefault(event.trial_number, []).append(event)
        if event.kind == "control":
            changes.marks.append(control_mark(event, last_number))
            if event.metrics.get("kind") == "ranges" and event.metrics.get("status") in (
                None,
                "applied",
            ):
                ranges += 1
    params = list(state.params)
    for number, events in by_trial.items():
        row = tick.trials.get(number)
        trial = _merge_state(row, events) if row is not None else trial_from_events(number, events)
        for name in trial.params:
            if name not in params:
                params.append(name)
                changes.new_params.append(name)
        if number in running:
            changes.updated.append(trial)
        else:
            changes.added.append(trial)
        if trial.is_finished:
            running.pop(number, None)
            changes.finished.append(trial)
            if extend_history(history, trial):
                best_params = dict(trial.params)
            if trial.state == "complete" and trial.value is not None:
                changes.complete.append(trial)
        else:
            running[number] = lane(trial)
    changes.points = list(zip(history.numbers, history.values, strict=True))
    changes.warm_points = list(history.warm)
    changes.best_points = list(zip(history.best_x, history.best_y, strict=True))
    points = curve_points(tick.events, state.metric)
    pruned = [t.number for t in changes.finished if t.state == "pruned"]
    changes.curves = curves_change(state.curves, points, pruned)
    # new parameter names: a code run's space grows as its code suggests them
    changes.ranges_changed = ranges != state.ranges or bool(changes.new_params)
    changes.status_changed = tick.run.status != state.status
    last_id = tick.events[-1].id if tick.events else state.cursor
    changes.state = state.evolve(
        cursor=max(state.cursor, last_id),
        best=history.best,
        best_params=best_params if history.best else {},
        line_x=history.line_x,
        running=running,
        curves=changes.curves.order or state.curves,
        params=tuple(params),
        last_number=last_number,
        status=tick.run.status,
        ranges=ranges,
        appended=state.appended + len(changes.finished),
    )
    return changes


def is_done(state: LiveState, tick: Tick) -> bool:
    """Polling can stop: the run has finished and every event has been read."""
    return tick.run.status in TERMINAL_RUN_STATUSES and tick.exhausted
