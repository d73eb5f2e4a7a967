"""What a sync pass reads from the product's tables: the run, the touched trials, their steps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store.events import EventRow, list_events_after
from optunagui.store.tables import Experiment, Run, Trial, TrialEvent

__all__ = ["RunFacts", "TrialFacts", "load_last_results", "load_result_events",
           "load_run_facts", "load_trials", "new_events"]


@dataclass(frozen=True, slots=True)
class RunFacts:
    run_id: int
    name: str
    experiment_name: str
    study_name: str
    status: str
    spec: dict[str, Any]

    @property
    def ended(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES

    @property
    def primary_metric(self) -> str | None:
        metrics = self.spec.get("metrics") or []
        first = metrics[0] if metrics else None
        return str(first["name"]) if isinstance(first, dict) and first.get("name") else None

    @property
    def maximize(self) -> bool:
        metrics = self.spec.get("metrics") or []
        first = metrics[0] if metrics else None
        direction = first.get("direction") if isinstance(first, dict) else None
        return direction != "minimize"


@dataclass(frozen=True, slots=True)
class TrialFacts:
    number: int
    state: str
    values: list[float] | None  # None inside: a value that was not finite
    params: dict[str, Any]
    duration_s: float | None
    error: str | None
    user_attrs: dict[str, Any]


def load_run_facts(session: Session, run_id: int) -> RunFacts | None:
    row = session.execute(
        select(Run.id, Run.name, Experiment.name, Run.study_name, Run.status, Run.spec)
        .join(Experiment, Experiment.id == Run.experiment_id).where(Run.id == run_id)).first()
    if row is None:
        return None
    return RunFacts(run_id=row[0], name=row[1], experiment_name=row[2], study_name=row[3],
                    status=row[4], spec=dict(row[5] or {}))


def new_events(session: Session, run_id: int, after_id: int, limit: int
               ) -> tuple[list[EventRow], int, bool]:
    """The run's next events after the cursor that concern a trial (control events say
    nothing a tracker keeps), the id the cursor moves to once they are logged, and whether
    more are waiting after them."""
    events = list_events_after(session, run_id, after_id, limit)
    last = events[-1].id if events else after_id
    return [e for e in events if e.trial_number is not None], last, len(events) >= limit


def load_trials(session: Session, run_id: int, numbers: Iterable[int]) -> dict[int, TrialFacts]:
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = session.scalars(select(Trial).where(Trial.run_id == run_id,
                                               Trial.number.in_(wanted)))
    return {
        row.number: TrialFacts(number=row.number, state=row.state, values=row.values,
                               params=dict(row.params or {}), duration_s=row.duration_s,
                               error=row.error, user_attrs=dict(row.user_attrs or {}))
        for row in rows
    }


_EVENT_COLUMNS = [TrialEvent.__table__.c[name] for name in
                  ("id", "run_id", "trial_number", "kind", "step", "metrics", "worker",
                   "created_at")]


def load_last_results(session: Session, run_id: int, numbers: Iterable[int]
                      ) -> dict[int, EventRow]:
    """Each trial's last reported step, by trial number (trials that reported none left out)."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    newest = (select(func.max(TrialEvent.id))
              .where(TrialEvent.run_id == run_id, TrialEvent.kind == "result",
                     TrialEvent.trial_number.in_(wanted))
              .group_by(TrialEvent.trial_number))
    rows = session.execute(select(*_EVENT_COLUMNS).where(TrialEvent.id.in_(newest)))
    return {event.trial_number: event for event in (EventRow(*row) for row in rows)
            if event.trial_number is not None}


def load_result_events(session: Session, run_id: int, numbers: Iterable[int]
                       ) -> dict[int, list[EventRow]]:
    """Every step the trials reported, oldest first, by trial number."""
    wanted = sorted(set(numbers))
    found: dict[int, list[EventRow]] = {number: [] for number in wanted}
    if not wanted:
        return found
    rows = session.execute(
        select(*_EVENT_COLUMNS).where(TrialEvent.run_id == run_id, TrialEvent.kind == "result",
                               TrialEvent.trial_number.in_(wanted)).order_by(TrialEvent.id))
    for row in rows:
        event = EventRow(*row)
        found[event.trial_number or 0].append(event)
    return found
