"""The run page's first read: what its views show, without reading every trial's row.

For the history every complete trial's number and first value (two columns); the full rows of
the trials drawn in detail only: the sampled complete trials the scatter draws (the best kept),
the latest finished ones the timeline draws, the running ones, those whose curves are shown.
Counts come from the database. A 100,000-trial run costs a few column reads and a few thousand
rows, not 100,000 decoded rows. The event cursor is taken in the same snapshot (PostgreSQL:
REPEATABLE READ; SQLite: one transaction is a snapshot).

Viewers of the same run at the same event cursor share one snapshot (``shared``): the run's
row is read again for each (its status, name and pending control change without an event),
everything read from trials and events is computed once per (run, cursor) in each server
process. A trial row changed without an event shows at the next event, as in a poll. The
caller has checked the viewer's role on the run before asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import select

from dashapp.pages.run.live.reads import RECENT_RESULT_EVENTS, begin_snapshot, read_events, run_info
from dashapp.pages.run.live.records import EventRecord, RunInfo, TrialRecord, trial_record
from dashapp.pages.run.live.sampling import sample_positions
from dashapp.pages.run.live.shared import SharedResults, shared_for
from dashapp.pages.run.live.timeline import MAX_BARS
from optunagui.store import (
    TrialEvent,
    count_trials_by_state,
    get_run,
    last_event_id,
    latest_started_before,
    latest_trials,
    primary_values,
    trials_by_numbers,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.store import Database

__all__ = ["FINISHED", "Snapshot", "detail_numbers", "load_snapshot", "shared_snapshots"]

FINISHED = ("complete", "pruned", "failed")
KEPT_RUNS = 8  # runs whose latest snapshot a server process keeps



@dataclass(frozen=True)
class Snapshot:
    """Attributes:
    points: (number, first value) of every complete trial with a value, by number.
    marks: per control event, the highest trial number started before it (-1: none).
    detail: full rows of the sampled complete trials (and the best), by number.
    finished: full rows of the latest ``MAX_BARS`` finished trials, by number.
    running: full rows of the running trials.
    states: the state of each trial with a recent result (for the curves).
    warm: (number, first value) of the complete warm-start trials, by number.
    """

    run: RunInfo
    cursor: int
    controls: list[EventRecord]
    recent_results: list[EventRecord]
    counts: dict[str, int]
    points: list[tuple[int, float]]
    marks: list[int]
    detail: list[TrialRecord]
    finished: list[TrialRecord]
    running: list[TrialRecord]
    states: dict[int, str]
    warm: list[tuple[int, float]] = field(default_factory=list)

    @property
    def last_number(self) -> int:
        candidates = [self.points[-1][0]] if self.points else []
        candidates += [t.number for t in self.finished[-1:] + self.running]
        return max(candidates, default=-1)

    @property
    def n_finished(self) -> int:
        return sum(self.counts.get(state, 0) for state in FINISHED)


def detail_numbers(points: list[tuple[int, float]], direction: str) -> list[int]:
    """The numbers of the complete trials drawn in detail: the scatter's sample."""
    positions = sample_positions([value for _, value in points], direction)
    return [points[p][0] for p in positions]


def _records(rows: list) -> list[TrialRecord]:
    return [trial_record(row) for row in rows]


def _recent(session: Session, run_id: int, cursor: int) -> tuple[list[EventRecord],
                                                                  list[EventRecord]]:
    base = select(TrialEvent.id).where(TrialEvent.run_id == run_id, TrialEvent.id <= cursor)
    controls = read_events(
        session, base.where(TrialEvent.kind == "control").order_by(TrialEvent.id))
    recent = read_events(
        session, base.where(TrialEvent.kind == "result").order_by(TrialEvent.id.desc())
        .limit(RECENT_RESULT_EVENTS))
    return controls, recent[::-1]


def shared_snapshots(database: Database) -> SharedResults[Snapshot]:
    """The snapshots this process keeps for ``database``'s runs."""
    return shared_for(database, "snapshots", lambda: SharedResults(KEPT_RUNS))


def _warm_points(session: Session, run_id: int, n_warm: int) -> list[tuple[int, float]]:
    """The warm-start trials are the study's first ``n_warm`` (enqueued into a new study);
    their rows' mark says which of them are."""
    rows = _records(trials_by_numbers(session, run_id, list(range(n_warm)))) if n_warm else []
    return [(t.number, t.value) for t in rows
            if t.warm_start is not None and t.state == "complete" and t.value is not None]


def _read(session: Session, info: RunInfo, cursor: int, n_warm: int = 0) -> Snapshot:
    run_id = info.id
    controls, recent = _recent(session, run_id, cursor)
    counts = dict.fromkeys(("running", *FINISHED), 0)
    counts.update(count_trials_by_state(session, run_id))
    points = primary_values(session, run_id)
    detail = _records(trials_by_numbers(session, run_id,
                                        detail_numbers(points, info.direction)))
    finished = _records(latest_trials(session, run_id, FINISHED, MAX_BARS))
    running = _records(latest_trials(session, run_id, ("running",), MAX_BARS))
    curve_numbers = {e.trial_number for e in recent if e.trial_number is not None}
    states = {row.number: row.state
              for row in trials_by_numbers(session, run_id, curve_numbers)}
    marks = latest_started_before(session, run_id, [e.created_at for e in controls])
    return Snapshot(info, cursor, controls, recent, counts, points, marks, detail, finished,
                    running, states, _warm_points(session, run_id, n_warm))


def load_snapshot(database: Database, run_id: int) -> Snapshot | None:
    """Everything the page shows on its first render: the run's row read now, the rest
    shared with the other requests for this run at the same event cursor."""
    with database.read_session() as session:
        begin_snapshot(session)
        run = get_run(session, run_id)
        if run is None:
            return None
        info = run_info(session, run)
        cursor = last_event_id(session, run_id)
        n_warm = len((run.spec or {}).get("warm_start") or []) if isinstance(run.spec, dict) else 0
        snapshot = shared_snapshots(database).get(
            run_id, (cursor, info.direction), lambda: _read(session, info, cursor, n_warm))
    return snapshot if snapshot.run == info else replace(snapshot, run=info)
