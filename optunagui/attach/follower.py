"""Following an attached study: each poll mirrors what changed in it since the last one.

A poll reads the trials after the cursor (in chunks, so a first mirror of 100,000 trials is a
series of bounded transactions) and the trials still open, writes their rows and events,
and moves the cursor in the same transaction as the rows, so a restart resumes exactly
where the last committed poll ended: nothing twice, nothing missed. Another follower of the
same run moving the cursor first makes this poll roll back (the version check).

It never writes to the study's storage. A storage that cannot be reached is recorded on the
run (shown on its page) and retried on the next poll; a study deleted from its storage ends
the run (stopped, with the reason) and keeps what was mirrored.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from optunagui import store
from optunagui.attach.mirror import Known, MirrorBatch, mirror_trials
from optunagui.attach.readers import ReaderCache, StudyReader
from optunagui.attach.source import JOURNAL_PREFIX, StudySource
from optunagui.attach.space import merged_space
from optunagui.attach.trial import ExternalTrial
from optunagui.status import TERMINAL_RUN_STATUSES, RunStatus
from optunagui.store import Database
from optunagui.store.tables import Trial

__all__ = ["CHUNK", "GAP_TIMEOUT_S", "PollOutcome", "poll_run", "source_of"]

logger = logging.getLogger(__name__)

CHUNK = 5000
GAP_TIMEOUT_S = 600.0
_READ_ERRORS = (SQLAlchemyError, OSError, ValueError, RuntimeError)


@dataclass
class PollOutcome:
    mirrored: int = 0
    finished: int = 0
    error: str | None = None
    ended: bool = False
    raced: bool = False


@dataclass(frozen=True)
class _Cursor:
    version: int
    trial_cursor: int
    open_ids: list[int]
    gaps: dict[int, float]
    study_id: int
    study_name: str
    names: list[str]


def source_of(stored_url: str, shown: str) -> StudySource:
    if stored_url.startswith(JOURNAL_PREFIX):
        return StudySource("journal", stored_url.removeprefix(JOURNAL_PREFIX), shown)
    return StudySource("rdb", stored_url, shown)


def _cursor(row: store.AttachedStudy, spec: dict[str, Any]) -> _Cursor:
    state = row.open_trials or {}
    names = [m.get("name", "value") for m in spec.get("metrics") or []] or ["value"]
    return _Cursor(row.version, int(row.trial_cursor), [int(i) for i in state.get("open", [])],
                   {int(k): float(v) for k, v in (state.get("gaps") or {}).items()},
                   row.external_study_id, row.study_name, names)


def _known(session: Any, run_id: int, numbers: Iterable[int]) -> dict[int, Known]:
    wanted = sorted(set(numbers))
    found: dict[int, Known] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(select(Trial.number, Trial.state, Trial.last_step).where(
            Trial.run_id == run_id, Trial.number.in_(wanted[start:start + 500])))
        found.update({n: Known(s, step) for n, s, step in rows})
    return found


def _next_state(cursor: _Cursor, trials: list[ExternalTrial], reader: StudyReader,
                now: float) -> tuple[int, dict[str, Any]]:
    """The cursor and open/gap ids after these trials have been mirrored."""
    new_ids = [t.trial_id for t in trials if t.trial_id > cursor.trial_cursor]
    top = max(new_ids, default=cursor.trial_cursor)
    seen = {t.trial_id for t in trials}
    gaps = {i: first for i, first in cursor.gaps.items()
            if i not in seen and now - first < GAP_TIMEOUT_S}
    if gaps or top > cursor.trial_cursor:
        visible = reader.visible_trial_ids(cursor.trial_cursor, top, list(gaps))
        for trial_id in range(cursor.trial_cursor + 1, top + 1):
            if trial_id not in visible:
                gaps.setdefault(trial_id, now)
        gaps = {i: first for i, first in gaps.items() if i not in visible}
    open_ids = sorted(t.trial_id for t in trials if t.is_open)
    return top, {"open": open_ids, "gaps": {str(i): first for i, first in gaps.items()}}


def _write(db: Database, run_id: int, cursor: _Cursor, trials: list[ExternalTrial],
           top: int, state: dict[str, Any]) -> tuple[bool, MirrorBatch]:
    with db.session() as session:
        known = _known(session, run_id, (t.number for t in trials))
        batch = mirror_trials(trials, known, cursor.names)
        moved = store.advance_cursor(session, run_id, cursor.version, trial_cursor=top,
                                     open_trials=state,
                                     mirrored=sum(1 for r in batch.rows
                                                  if r["number"] not in known),
                                     changed=bool(batch.rows))
        if not moved:
            session.rollback()
            return False, batch
        if batch.rows:
            store.upsert_trials(session, run_id, batch.rows)
        if batch.events:
            store.append_events(session, run_id, batch.events)
        run = store.get_run(session, run_id)
        if run is not None:
            if batch.distributions:
                space = merged_space(run.current_space or {}, batch.distributions)
                if space != (run.current_space or {}):
                    run.current_space = space
            if run.status == RunStatus.queued:
                store.update_run_status(session, run_id, RunStatus.running.value,
                                        reason="followed: trials arrive as the study's own "
                                               "code writes them")
            if batch.finished:
                _improve_best(run, batch.rows)
    return True, batch


def _improve_best(run: Any, rows: list[dict[str, Any]]) -> None:
    """The run's best from the trials finished in this poll and the best before it, so a
    poll's cost does not grow with the study (ties go to the earlier trial)."""
    metrics = (run.spec or {}).get("metrics") or [{}]
    sign = -1.0 if metrics[0].get("direction") == "minimize" else 1.0
    best_number, best_value = run.best_trial_number, run.best_value
    for row in rows:
        values = row.get("values") or []
        value = values[0] if row.get("state") == "complete" and values else None
        if value is None or not math.isfinite(value):
            continue
        if (best_value is None or sign * value > sign * best_value
                or (value == best_value and row["number"] < (best_number or 0))):
            best_number, best_value = row["number"], value
    run.best_trial_number, run.best_value = best_number, best_value


def _end(db: Database, run_id: int, reason: str) -> None:
    with db.session() as session:
        row = store.get_attached(session, run_id)
        if row is not None:
            row.following = False
        run = store.get_run(session, run_id)
        if run is not None and run.status not in TERMINAL_RUN_STATUSES:
            store.update_run_status(session, run_id, RunStatus.stopped.value, reason=reason)


def _failed(db: Database, readers: ReaderCache, source: StudySource, run_id: int,
            error: Exception) -> PollOutcome:
    readers.forget(source)
    message = f"cannot read the study from {source.shown}: " + (
        str(getattr(error, "orig", None) or error).strip().splitlines() or ["unknown error"])[0]
    logger.warning("run %s: %s", run_id, message)
    with db.session() as session:
        store.record_follow_error(session, run_id, message)
    return PollOutcome(error=message)


def poll_run(db: Database, run_id: int, readers: ReaderCache, *, chunk: int = CHUNK,
             max_chunks: int | None = None) -> PollOutcome:
    """Mirror what changed in the run's study; repeats while whole chunks come back."""
    outcome = PollOutcome()
    chunks = 0
    while True:
        with db.session() as session:
            row = store.get_attached(session, run_id)
            run = store.get_run(session, run_id)
            if row is None or run is None or not row.following:
                return outcome
            source = source_of(row.storage_url, row.storage_shown)
            cursor = _cursor(row, dict(run.spec or {}))
        try:
            reader = readers.get(source)
            if not reader.study_exists(cursor.study_id, cursor.study_name):
                _end(db, run_id, f"the study {cursor.study_name!r} is no longer in "
                                 f"{source.shown} (deleted?); what was mirrored is kept")
                outcome.ended = True
                return outcome
            open_ids = sorted({*cursor.open_ids, *cursor.gaps})
            trials = reader.changes(cursor.study_id, cursor.trial_cursor, open_ids, chunk)
            top, state = _next_state(cursor, trials, reader, time.time())
        except _READ_ERRORS as error:
            failed = _failed(db, readers, source, run_id, error)
            failed.mirrored = outcome.mirrored
            return failed
        written, batch = _write(db, run_id, cursor, trials, top, state)
        if not written:
            outcome.raced = True
            return outcome
        outcome.mirrored += len(batch.rows)
        outcome.finished += batch.finished
        chunks += 1
        full = sum(1 for t in trials if t.trial_id > cursor.trial_cursor) >= chunk
        if not full or (max_chunks is not None and chunks >= max_chunks):
            return outcome
