"""How far one tracker got with one run: read before a pass, written after it (also after a
pass that stopped half-way, so what was sent is never sent again)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from optunagui.store.db import Database
from optunagui.store.tracking import (
    get_tracking_state,
    list_tracked_trials,
    put_tracked_trial,
    record_tracking_ok,
)

__all__ = ["Progress", "add_children", "expect_new_runs", "load_progress", "save_progress"]


@dataclass(slots=True)
class Progress:
    tracker: str
    cursor: int = 0
    external_id: str | None = None
    container_id: str | None = None
    best_value: float | None = None
    best_trial: int | None = None
    closed: bool = False
    reconcile: bool = False
    children: dict[int, str] = field(default_factory=dict)
    logged_through: dict[int, int] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)
    sent: dict[int, tuple[int, bool]] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)
    expecting: bool = False

    def add_child(self, number: int, external_id: str) -> None:
        self.children[number] = external_id
        self.created.add(number)

    def mark_sent(self, number: int, last_event_id: int, finished: bool) -> None:
        self.logged_through[number] = max(self.logged_through.get(number, 0), last_event_id)
        if finished:
            self.finished.add(number)
        self.sent[number] = (self.logged_through[number], number in self.finished)


def load_progress(session: Session, run_id: int, tracker: str,
                  numbers: Iterable[int] = ()) -> Progress:
    """The stored progress, with the child runs of the trials in `numbers`."""
    state = get_tracking_state(session, run_id, tracker)
    progress = Progress(tracker=tracker)
    if state is not None:
        progress.cursor = state.event_cursor or 0
        progress.external_id = state.external_id
        progress.container_id = state.container_id
        progress.best_value = state.best_value
        progress.best_trial = state.best_trial
        progress.closed = bool(state.closed)
        progress.reconcile = bool(state.reconcile)
    add_children(session, run_id, progress, numbers)
    return progress


def add_children(session: Session, run_id: int, progress: Progress,
                 numbers: Iterable[int]) -> None:
    for number, row in list_tracked_trials(session, run_id, progress.tracker, numbers).items():
        progress.children[number] = row.external_id
        progress.logged_through[number] = row.logged_through or 0
        if row.finished:
            progress.finished.add(number)


def expect_new_runs(db: Database, progress: Progress, run_id: int) -> None:
    """Say, before the tracker makes runs, that a pass that dies before `save_progress`
    must look for them first (the next pass then adopts them instead of making them again)."""
    if progress.expecting:
        return
    with db.session() as session:
        state = get_tracking_state(session, run_id, progress.tracker, create=True)
        assert state is not None
        state.reconcile = True
    progress.expecting = True


def save_progress(db: Database, run_id: int, progress: Progress, *, ok: bool,
                  target: str) -> None:
    """Write the progress; `ok` also clears the tracker's error (a pass that went through)."""
    with db.session() as session:
        for number in progress.created - set(progress.sent):
            put_tracked_trial(session, run_id, progress.tracker, number,
                              progress.children[number])
        for number, (logged_through, finished) in progress.sent.items():
            put_tracked_trial(session, run_id, progress.tracker, number,
                              progress.children[number], logged_through=logged_through,
                              finished=finished)
        values = {"event_cursor": progress.cursor, "external_id": progress.external_id,
                  "container_id": progress.container_id, "best_value": progress.best_value,
                  "best_trial": progress.best_trial, "closed": progress.closed,
                  "target": target}
        if ok:
            record_tracking_ok(session, run_id, progress.tracker, reconcile=False, **values)
        else:
            state = get_tracking_state(session, run_id, progress.tracker, create=True)
            assert state is not None
            for name, value in values.items():
                setattr(state, name, value)
    progress.sent.clear()
    progress.created.clear()
