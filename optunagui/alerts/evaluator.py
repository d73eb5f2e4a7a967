"""The evaluator: reads each watched run's new events by cursor and fires the rules they meet.

One pass is one transaction: the cursors move and the alerts (with their inbox entries) are
written together, so a restart neither loses nor repeats an alert. Its cost is one query for
the rules, one for the watched runs, one per watched run for its new events, and writes only
for what changed: O(new events), never O(trials). A run is watched while some rule covers it
and until its final status has been evaluated. Two evaluators on one database take turns
(PostgreSQL: an advisory lock; SQLite: the write lock every transaction takes).
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, text, tuple_
from sqlalchemy.orm import Session

from optunagui.alerts.delivery import queue_deliveries
from optunagui.alerts.triggers import (
    Firing,
    RuleView,
    RunView,
    apply_event,
    check_event,
    check_status,
    check_time,
    new_state,
)
from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store._types import utcnow
from optunagui.store.alerts import Alert, AlertCursor, AlertRule, AlertSubscription, InboxItem
from optunagui.store.db import Database
from optunagui.store.events import list_events_after
from optunagui.store.tables import Membership, Run, User

__all__ = ["AlertEvaluator", "PassResult"]

_LOCK_KEY = zlib.crc32(b"optunagui-alert-evaluator")
DEFAULT_BATCH = 5000


@dataclass
class PassResult:
    events: int = 0
    fired: list[Firing] = field(default_factory=list)
    more: bool = False  # some run had more new events than one pass reads


@dataclass
class _Watched:
    run: RunView
    experiment_id: int
    cursor: AlertCursor
    rules: list[RuleView]


class AlertEvaluator:
    """Evaluates every rule on the database.

    Args:
        db: the product's database.
        batch: at most this many events per run and pass.
        clock: the current time (tests move it forward).
    """

    def __init__(self, db: Database, *, batch: int = DEFAULT_BATCH,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.batch = batch
        self.clock = clock

    def evaluate(self, *, max_passes: int = 100) -> PassResult:
        """Passes until every watched run's events are read (or ``max_passes``)."""
        total = PassResult()
        for _ in range(max_passes):
            result = self.evaluate_pass()
            total.events += result.events
            total.fired.extend(result.fired)
            total.more = result.more
            if not result.more:
                break
        return total

    def evaluate_pass(self) -> PassResult:
        """One pass in one transaction."""
        with self.db.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                # A crash may lose this pass's commit, but only whole: the cursors and the
                # alerts they fired go together, and the next pass fires them again, once.
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            return self._pass(session)

    def _pass(self, session: Session) -> PassResult:
        result = PassResult()
        rules = list(session.scalars(select(AlertRule)))
        if not rules:
            return result
        now = self.clock()
        for watched in _watched_runs(session, rules):
            state = copy.deepcopy(watched.cursor.state)
            before = (watched.cursor.last_event_id, state["n"], state["status"])
            events = list_events_after(session, watched.run.id, watched.cursor.last_event_id,
                                       self.batch)
            result.events += len(events)
            for event in events:
                improved = apply_event(state, event)
                result.fired.extend(_fired(check_event(rule, watched.run, state, event,
                                                       improved) for rule in watched.rules))
            drained = len(events) < self.batch
            result.more = result.more or not drained
            if drained and state["status"] != watched.run.status:
                state["status"] = watched.run.status
                result.fired.extend(_fired(check_status(rule, watched.run)
                                           for rule in watched.rules))
            result.fired.extend(_fired(check_time(rule, watched.run, state, now)
                                       for rule in watched.rules))
            closed = drained and watched.run.status in TERMINAL_RUN_STATUSES
            if events or closed or before != (state["last_event_id"], state["n"],
                                              state["status"]):
                watched.cursor.last_event_id = state["last_event_id"] or before[0]
                watched.cursor.state = state
                watched.cursor.closed = closed
                watched.cursor.updated_at = now
        result.fired = _record(session, result.fired,
                               {rule.id: rule.experiment_id for rule in rules})
        return result


def _fired(candidates: Iterable[Firing | None]) -> list[Firing]:
    return [firing for firing in candidates if firing is not None]


def _watched_runs(session: Session, rules: list[AlertRule]) -> list[_Watched]:
    """The runs some rule covers whose cursor is not closed (a cursor is made for a new one)."""
    wide = {rule.experiment_id for rule in rules if rule.run_id is None}
    narrow = {rule.run_id for rule in rules if rule.run_id is not None}
    rows = session.execute(
        select(Run.id, Run.experiment_id, Run.name, Run.status, Run.spec, Run.started_at,
               Run.finished_at, AlertCursor)
        .outerjoin(AlertCursor, AlertCursor.run_id == Run.id)
        .where(or_(Run.experiment_id.in_(wide), Run.id.in_(narrow)),
               or_(AlertCursor.id.is_(None), AlertCursor.closed.is_(False)))
        .order_by(Run.id)
    ).all()
    watched = []
    for run_id, experiment_id, name, status, spec, started, finished, cursor in rows:
        if cursor is None:
            cursor = AlertCursor(run_id=run_id, last_event_id=0, state=new_state(),
                                 closed=False)
            session.add(cursor)
        covering = [RuleView(r.id, r.name, r.kind, dict(r.params), r.created_at) for r in rules
                    if r.run_id == run_id or (r.run_id is None
                                              and r.experiment_id == experiment_id)]
        run = RunView(run_id, name, status, dict(spec or {}), started, finished)
        watched.append(_Watched(run, experiment_id, cursor, covering))
    session.flush()
    return watched


def _record(session: Session, firings: list[Firing], experiment_of: dict[int, int]
            ) -> list[Firing]:
    """Write the firings not already written (by rule and key), each with an inbox entry for
    every subscriber who may still read the experiment; returns those written."""
    first: dict[tuple[int, str], Firing] = {}
    for firing in firings:
        first.setdefault((firing.rule_id, firing.stored_key), firing)
    unique = list(first.values())
    if not unique:
        return []
    pairs = [(f.rule_id, f.stored_key) for f in unique]
    seen = {(rule_id, key) for rule_id, key in session.execute(
        select(Alert.rule_id, Alert.key).where(tuple_(Alert.rule_id, Alert.key).in_(pairs)))}
    new = [f for f in unique if (f.rule_id, f.stored_key) not in seen]
    if not new:
        return []
    recipients = _recipients(session, {f.rule_id for f in new})
    rules = {rule.id: rule for rule in session.scalars(
        select(AlertRule).where(AlertRule.id.in_({f.rule_id for f in new})))}
    for firing in new:
        alert = Alert(rule_id=firing.rule_id, experiment_id=experiment_of[firing.rule_id],
                      run_id=firing.run_id, trial_number=firing.trial_number, key=firing.stored_key,
                      message=firing.message[:2000], value=firing.value)
        session.add(alert)
        session.flush()
        for user_id in recipients.get(firing.rule_id, []):
            session.add(InboxItem(alert_id=alert.id, user_id=user_id))
        queue_deliveries(session, alert, rules[firing.rule_id],
                         recipients.get(firing.rule_id, []))
    session.flush()
    return new


def _recipients(session: Session, rule_ids: set[int]) -> dict[int, list[int]]:
    rows = session.execute(
        select(AlertSubscription.rule_id, AlertSubscription.user_id)
        .join(AlertRule, AlertRule.id == AlertSubscription.rule_id)
        .join(User, User.id == AlertSubscription.user_id)
        .outerjoin(Membership, (Membership.experiment_id == AlertRule.experiment_id)
                   & (Membership.user_id == AlertSubscription.user_id))
        .where(AlertSubscription.rule_id.in_(rule_ids), User.is_active.is_(True),
               or_(Membership.id.is_not(None), User.is_admin.is_(True)))
        .order_by(AlertSubscription.user_id)
    )
    out: dict[int, list[int]] = {}
    for rule_id, user_id in rows:
        out.setdefault(rule_id, []).append(user_id)
    return out
