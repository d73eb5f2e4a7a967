"""Rows written into the store the way the product writes them, for tests on either backend.

`add_experiment` and `add_run` write inside a session the caller owns; `write_run` opens its
own transaction. Trial and event rows are the dicts `upsert_trials` and `append_events` take;
`timed` gives trial rows the times the driver records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from optunagui.store import (
    Database,
    Experiment,
    Run,
    User,
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
    upsert_trials,
)

__all__ = ["T0", "add_experiment", "add_run", "timed", "write_run"]

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def add_experiment(session: Session, name: str = "e", *, owner: str = "ada",
                   password_hash: str = "!", description: str = "") -> tuple[User, Experiment]:
    """A new user named `owner` and an experiment they own."""
    user = create_user(session, owner, password_hash)
    return user, create_experiment(session, name, user.id, description=description)


def add_run(session: Session, experiment_id: int, spec: Any, name: str = "tuning", *,
            created_by: int | None = None, trials: Iterable[Mapping[str, Any]] | None = None,
            events: Iterable[Mapping[str, Any]] | None = None, statuses: Sequence[str] = (),
            **fields: Any) -> Run:
    """A run with its trials and events, then moved through `statuses` in order.

    Args:
        fields: more keyword arguments of `create_run` (dataset_version_id, ...).
    """
    run = create_run(session, experiment_id, name, spec, created_by=created_by, **fields)
    if trials is not None:
        upsert_trials(session, run.id, list(trials))
    if events is not None:
        append_events(session, run.id, list(events))
    for status in statuses:
        update_run_status(session, run.id, status)
    return run


def write_run(database: Database, spec: Any, name: str = "tuning", *,
              experiment_id: int | None = None, **run_fields: Any) -> int:
    """`add_run` in a transaction of its own; without `experiment_id`, in a new experiment
    ("e", owned by a new user "ada"). Returns the run's id."""
    with database.session() as session:
        if experiment_id is None:
            experiment_id = add_experiment(session)[1].id
        return add_run(session, experiment_id, spec, name, **run_fields).id


def timed(trials: Iterable[Mapping[str, Any]], *, start: datetime = T0, every_s: float = 10.0,
          lasting_s: float = 3.0, **fields: Any) -> list[dict[str, Any]]:
    """Trial rows with start and finish times: trial n starts ``n * every_s`` after `start` and
    lasts `lasting_s`; `fields` are set on every row (duration_s, worker, ...)."""
    rows = []
    for row in trials:
        started = start + timedelta(seconds=every_s * row["number"])
        rows.append({**row, "started_at": started,
                     "finished_at": started + timedelta(seconds=lasting_s), **fields})
    return rows
