"""`sync_run`: one pass that brings a run's trackers up to date with its events.

Safe to call from any process, and cheap when there is nothing new (a few indexed reads, no
tracker call). A tracker that fails is recorded (error, since when, when to retry, doubling
up to a minute) and skipped until then; the next pass that works catches up from the cursor.
One process at a time should sync a given run (the driver for its own runs, the follower for
attached ones).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optunagui.store._types import utcnow
from optunagui.store.db import Database
from optunagui.store.events import last_event_id
from optunagui.store.tracking import (
    TRACKERS,
    TrackingState,
    list_tracking_states,
    record_tracking_error,
)
from optunagui.tracking.reads import RunFacts, load_run_facts
from optunagui.tracking.targets import TrackingConfigError, mlflow_target, wandb_target

__all__ = ["SyncResult", "sync_run", "tracks_anything"]

logger = logging.getLogger(__name__)

EVENTS_PER_PASS = 2000
MAX_ROUNDS = 50


@dataclass(slots=True)
class SyncResult:
    """What one `sync_run` did: events read per tracker, and the trackers that failed."""

    run_id: int
    logged: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)  # skipped: retry not due yet

    @property
    def ok(self) -> bool:
        return not self.errors and not self.waiting


def tracks_anything(spec: Mapping[str, Any]) -> bool:
    """Whether the spec asks for a tracker (W&B's "disabled" mode asks for none)."""
    tracking = spec.get("tracking") or {}
    wandb = tracking.get("wandb") or None
    return bool(tracking.get("mlflow") is not None
                or (wandb is not None and wandb.get("mode") != "disabled"))


def _target(tracker: str, facts: RunFacts, environ: Mapping[str, str] | None,
            wandb_dir: str | None) -> tuple[Any, Callable[..., tuple[int, bool]]] | None:
    if tracker == "mlflow":
        from optunagui.tracking.mlflow_sync import sync_mlflow

        mlflow = mlflow_target(facts.spec, facts.experiment_name, environ)
        return (mlflow, sync_mlflow) if mlflow is not None else None
    from optunagui.tracking.wandb_sync import sync_wandb

    wandb = wandb_target(facts.spec, environ, wandb_dir or _run_folder(facts.run_id, environ))
    return (wandb, sync_wandb) if wandb is not None else None


@dataclass(frozen=True, slots=True)
class _Peek:
    facts: RunFacts
    newest_event: int
    states: dict[str, TrackingState]


def _peek(db: Database, run_id: int) -> _Peek | None:
    """Everything an idle pass needs, in one short read."""
    with db.session() as session:
        facts = load_run_facts(session, run_id)
        if facts is None or not tracks_anything(facts.spec):
            return None
        states = {s.tracker: s for s in list_tracking_states(session, run_id)}
        return _Peek(facts, last_event_id(session, run_id), states)


def _idle(peek: _Peek, tracker: str) -> bool:
    state = peek.states.get(tracker)
    if state is None:
        return peek.newest_event == 0 and not peek.facts.ended
    caught_up = (state.event_cursor or 0) >= peek.newest_event
    return caught_up and (bool(state.closed) or not peek.facts.ended)


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    detail = text[0] if text else ""
    return f"{type(error).__name__}: {detail}"[:500] if detail else type(error).__name__


def _record(db: Database, run_id: int, tracker: str, message: str) -> None:
    try:
        with db.session() as session:
            record_tracking_error(session, run_id, tracker, message)
    except Exception:  # the product's database is down too: nothing to keep it in
        logger.exception("run %s: could not record the %s error", run_id, tracker)


def sync_run(db: Database, run_id: int, *, force: bool = False,
             environ: Mapping[str, str] | None = None,
             wandb_dir: str | Path | None = None) -> SyncResult:
    """One pass for every tracker the run's spec asks for.

    Args:
        force: try a failing tracker now instead of waiting for its retry time.
        environ: where the trackers' defaults come from (``os.environ`` unless given).
        wandb_dir: where W&B writes its files when ``WANDB_DIR`` is not set (default: the
            run's folder in the data directory).
    """
    result = SyncResult(run_id)
    peek = _peek(db, run_id)
    if peek is None:
        return result
    directory = str(wandb_dir) if wandb_dir is not None else None
    now = utcnow()
    for tracker in TRACKERS:
        state = peek.states.get(tracker)
        if _idle(peek, tracker):
            continue
        if not force and state is not None and state.retry_at is not None \
                and state.retry_at > now:
            result.waiting[tracker] = state.last_error or "waiting to retry"
            continue
        try:
            found = _target(tracker, peek.facts, environ, directory)
        except TrackingConfigError as error:
            _record(db, run_id, tracker, str(error))
            result.errors[tracker] = str(error)
            continue
        if found is not None:
            _sync_one(db, peek.facts, tracker, *found, result, environ)
    return result


def _sync_one(db: Database, facts: RunFacts, tracker: str, target: Any,
              send: Callable[..., tuple[int, bool]], result: SyncResult,
              environ: Mapping[str, str] | None) -> None:
    total = 0
    try:
        for _ in range(MAX_ROUNDS):
            read, more = send(db, facts, target, limit=EVENTS_PER_PASS, environ=environ)
            total += read
            if not more:
                break
    except Exception as error:  # a tracker down or refusing must never stop the caller
        message = f"{target.describe()}: {_short(error)}"
        logger.warning("run %s: %s (will retry)", facts.run_id, message)
        _record(db, facts.run_id, tracker, message)
        result.errors[tracker] = message
    result.logged[tracker] = total


def _run_folder(run_id: int, environ: Mapping[str, str] | None) -> str:
    from optunagui.config import load_settings

    return str(load_settings(environ).runs_dir / str(run_id))
