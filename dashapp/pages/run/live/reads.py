"""What the run page reads from the store: a snapshot once, then only what is new.

The first read is ``snapshot.load_snapshot``, with the helpers here (``run_info``,
``read_events``, ``begin_snapshot``). ``load_tick`` reads the events after
the cursor, the rows of the trials they name, and the run's row: work in proportion to what
is new, never to the study.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, cast, select

from dashapp.pages.run.live.records import (
    EventRecord,
    RunInfo,
    TrialRecord,
    event_record,
    to_utc,
    trial_record,
)
from dashapp.pages.run.live.shared import SharedResults, shared_for
from optunagui.store import (
    Trial,
    TrialEvent,
    TrialRow,
    count_trials_by_state,
    get_pending_control,
    get_run,
    last_event_id,
    list_events_after,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.store import Database, Run

__all__ = [
    "RECENT_RESULT_EVENTS",
    "TICK_EVENT_LIMIT",
    "Tick",
    "begin_snapshot",
    "load_run_info",
    "load_tick",
    "load_trials_by_number",
    "read_events",
    "run_info",
]

TICK_EVENT_LIMIT = 2000
KEPT_TICKS = 32  # runs whose latest poll read a server process keeps
RECENT_RESULT_EVENTS = 5000
TRIAL_KINDS = ("started", "completed", "pruned", "failed")


@dataclass(frozen=True)
class Tick:
    run: RunInfo
    events: list[EventRecord]
    trials: dict[int, TrialRecord]
    counts: dict[str, int] | None
    exhausted: bool


def _direction(metric: Mapping[str, Any]) -> str:
    direction = metric.get("direction")
    if direction in ("maximize", "minimize"):
        return direction
    try:
        from optunagui.metrics import METRICS

        known = METRICS.get(str(metric.get("name")))
    except ImportError:  # pragma: no cover - the core package is always there
        known = None
    return getattr(known, "direction", None) or "maximize"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def run_info(session: Session, run: Run) -> RunInfo:
    spec = run.spec if isinstance(run.spec, Mapping) else {}
    metrics = [m for m in spec.get("metrics") or [] if isinstance(m, Mapping)]
    primary = metrics[0] if metrics else {}
    budget = spec.get("budget") if isinstance(spec.get("budget"), Mapping) else {}
    resources = spec.get("resources") if isinstance(spec.get("resources"), Mapping) else {}
    space = run.current_space if isinstance(run.current_space, Mapping) else spec.get("space")
    return RunInfo(
        id=run.id,
        experiment_id=run.experiment_id,
        name=run.name,
        status=run.status,
        status_reason=run.status_reason,
        metric=str(primary.get("name") or "value"),
        direction=_direction(primary),
        metric_names=tuple(str(m.get("name")) for m in metrics) or ("value",),
        n_trials_budget=run.n_trials_budget,
        timeout_s=_number(budget.get("timeout_s")),
        cpu_per_trial=_number(resources.get("cpu")) or 1.0,
        gpu_per_trial=_number(resources.get("gpu")) or 0.0,
        created_at=to_utc(run.created_at),
        started_at=to_utc(run.started_at),
        finished_at=to_utc(run.finished_at),
        pending_control=get_pending_control(session, run.id),
        space=dict(space) if isinstance(space, Mapping) else {},
    )


def load_run_info(session: Session, run_id: int) -> RunInfo | None:
    run = get_run(session, run_id)
    return run_info(session, run) if run is not None else None


def begin_snapshot(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def read_events(session: Session, query: Any) -> list[EventRecord]:
    columns = (
        TrialEvent.id,
        TrialEvent.run_id,
        TrialEvent.trial_number,
        TrialEvent.kind,
        TrialEvent.step,
        cast(TrialEvent.metrics, Text),
        TrialEvent.worker,
        TrialEvent.created_at,
    )
    rows = session.execute(query.with_only_columns(*columns)).all()
    if not rows:
        return []
    decoded = json.loads("[" + ",".join(row[5] or "null" for row in rows) + "]")
    return [
        EventRecord(
            id=row[0],
            kind=row[3],
            trial_number=row[2],
            step=row[4],
            metrics=metrics if isinstance(metrics, dict) else {},
            worker=row[6],
            created_at=to_utc(row[7]),
        )
        for row, metrics in zip(rows, decoded, strict=True)
    ]


def load_trials_by_number(
    session: Session, run_id: int, numbers: Iterable[int]
) -> dict[int, TrialRecord]:
    """The rows of the named trials only (by the (run_id, number) index)."""
    wanted = sorted({n for n in numbers if isinstance(n, int)})
    if not wanted:
        return {}
    found: dict[int, TrialRecord] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = list_trials_by_numbers(session, run_id, chunk)
        found.update({row.number: row for row in rows})
    return found


def list_trials_by_numbers(session: Session, run_id: int, numbers: list[int]) -> list[TrialRecord]:
    table = Trial.__table__
    names = list(TrialRow.__dataclass_fields__)
    rows = session.execute(
        select(*[table.c[name] for name in names]).where(
            table.c.run_id == run_id, table.c.number.in_(numbers)
        )
    ).all()
    return [trial_record(TrialRow(*row)) for row in rows]


def load_tick(
    database: Database, run_id: int, cursor: int, *, limit: int = TICK_EVENT_LIMIT
) -> Tick | None:
    """The events after ``cursor`` and the current rows of the trials they name.

    Viewers of the run at the same cursor when the same last event is in share one read of
    the events, rows and counts (``shared``); the run's row is read for each.
    """
    with database.read_session() as session:
        run = get_run(session, run_id)
        if run is None:
            return None
        info = run_info(session, run)
        latest = last_event_id(session, run_id)
        if latest <= cursor:
            return Tick(info, [], {}, None, exhausted=True)
        ticks: SharedResults[Tick] = shared_for(
            database, "ticks", lambda: SharedResults(KEPT_TICKS, join_any_key=False))
        tick = ticks.get(run_id, (cursor, latest, limit),
                         lambda: _read_tick(session, info, cursor, limit))
    return tick if tick.run == info else replace(tick, run=info)


def _read_tick(session: Session, info: RunInfo, cursor: int, limit: int) -> Tick:
    events = [event_record(row) for row in list_events_after(session, info.id, cursor, limit)]
    numbers = {e.trial_number for e in events if e.kind in TRIAL_KINDS}
    trials = load_trials_by_number(session, info.id, numbers)
    counts = count_trials_by_state(session, info.id) if events else None
    return Tick(info, events, trials, counts, exhausted=len(events) < limit)
