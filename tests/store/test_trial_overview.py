"""Reading a large run for an overview: values by column, the latest rows, named rows, and the
newest trial started before a moment (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from optunagui.store import (
    Database,
    Run,
    latest_started_before,
    latest_trials,
    primary_values,
    trials_by_numbers,
    upsert_trials,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _fill(db: Database, run: Run) -> None:
    rows = [{"number": i, "state": ("pruned", "complete", "failed", "running")[i % 4],
             "values": [i / 10, 1.0] if i % 4 == 1 else None, "params": {"lr": i},
             "started_at": T0 + timedelta(minutes=i)} for i in range(40)]
    rows.append({"number": 41, "state": "complete", "values": [None]})
    with db.session() as session:
        upsert_trials(session, run.id, rows)


def test_primary_values_are_the_complete_trials_first_values(db: Database, run: Run) -> None:
    _fill(db, run)
    with db.session() as session:
        points = primary_values(session, run.id)
    assert points == [(i, i / 10) for i in range(1, 40, 4)]


def test_latest_and_named_trials_come_by_number(db: Database, run: Run) -> None:
    _fill(db, run)
    with db.session() as session:
        latest = latest_trials(session, run.id, ("pruned", "failed"), 3)
        named = trials_by_numbers(session, run.id, [9, 3, 3, 700])
    assert [t.number for t in latest] == [34, 36, 38]
    assert [(t.number, t.params) for t in named] == [(3, {"lr": 3}), (9, {"lr": 9})]


def test_the_newest_trial_started_before_each_moment(db: Database, run: Run) -> None:
    _fill(db, run)
    moments = [T0 - timedelta(minutes=1), T0 + timedelta(minutes=12, seconds=30), None]
    with db.session() as session:
        assert latest_started_before(session, run.id, moments) == [-1, 12, 39]
