"""The page's reads: a consistent snapshot once, then only the events after the cursor."""

from __future__ import annotations

from sqlalchemy import event as sa_event

from dashapp.pages.run.live.reads import load_tick
from dashapp.pages.run.live.sampling import MAX_POINTS
from dashapp.pages.run.live.snapshot import load_snapshot
from dashapp.pages.run.live.timeline import MAX_BARS
from optunagui.store import (
    acknowledge_control,
    append_events,
    create_experiment,
    create_run,
    create_user,
    request_control,
    update_run_status,
    upsert_trials,
)

SPEC = {"metrics": [{"name": "rmse"}], "budget": {"n_trials": 50, "timeout_s": 600},
        "resources": {"cpu": 2, "gpu": 0.5},
        "space": {"alpha": {"type": "float", "low": 0.1, "high": 1.0}}}


def _run(database) -> int:
    with database.session() as session:
        user = create_user(session, "reader", "x")
        experiment = create_experiment(session, "e", user.id)
        run = create_run(session, experiment.id, "r", SPEC, created_by=user.id)
        update_run_status(session, run.id, "running")
        upsert_trials(
            session,
            run.id,
            [{"number": n, "state": "complete", "values": [1.0 / (n + 1)],
              "params": {"alpha": 0.1 * (n + 1)}} for n in range(30)],
        )
        append_events(
            session,
            run.id,
            [{"kind": "result", "trial_number": n, "step": s, "metrics": {"rmse": s}}
             for n in range(30) for s in range(2)],
        )
        request_control(session, run.id, "pause")
        request = request_control(session, run.id, "ranges",
                                  {"alpha": {"type": "float", "low": 0.2, "high": 1.0}})
        acknowledge_control(session, run.id, request["id"])
        return run.id


def test_snapshot_reads_run_trials_controls_and_recent_results(database):
    run_id = _run(database)
    snapshot = load_snapshot(database, run_id)
    run = snapshot.run
    assert run.metric == "rmse" and run.direction == "minimize"  # from the metric registry
    assert run.n_trials_budget == 50 and run.timeout_s == 600.0 and run.gpu_per_trial == 0.5
    assert run.space == {"alpha": {"type": "float", "low": 0.2, "high": 1.0}}
    assert [n for n, _ in snapshot.points] == list(range(30))
    assert [t.number for t in snapshot.detail] == list(range(30))  # a small run: every one
    assert snapshot.counts["complete"] == 30
    assert [e.metrics["kind"] for e in snapshot.controls] == ["ranges"]
    assert len(snapshot.recent_results) == 60
    assert snapshot.recent_results[0].id < snapshot.recent_results[-1].id
    assert snapshot.cursor == snapshot.controls[-1].id


def test_tick_reads_only_new_events_and_the_trials_they_name(database):
    run_id = _run(database)
    cursor = load_snapshot(database, run_id).cursor
    with database.session() as session:
        upsert_trials(session, run_id, [{"number": 30, "state": "running"}])
        append_events(session, run_id, [{"kind": "started", "trial_number": 30}])
    statements: list[str] = []

    def record(conn, cursor_, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(database.engine, "before_cursor_execute", record)
    try:
        tick = load_tick(database, run_id, cursor)
    finally:
        sa_event.remove(database.engine, "before_cursor_execute", record)
    assert [e.trial_number for e in tick.events] == [30]
    assert list(tick.trials) == [30] and tick.trials[30].state == "running"
    assert tick.counts["running"] == 1 and tick.exhausted
    # Only the named trial is read: the statement on run_trials filters by number.
    trial_reads = [s for s in statements if "FROM run_trials" in s and "GROUP BY" not in s]
    assert trial_reads and all(" IN (" in s for s in trial_reads)
    empty = load_tick(database, run_id, tick.events[-1].id)
    assert empty.events == [] and empty.trials == {} and empty.counts is None


def test_tick_reads_at_most_the_limit(database):
    run_id = _run(database)
    tick = load_tick(database, run_id, 0, limit=10)
    assert len(tick.events) == 10 and not tick.exhausted


def test_a_large_run_is_read_by_columns_and_samples_not_every_row(database):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    n = MAX_POINTS + 800
    with database.session() as session:
        user = create_user(session, "big", "x")
        experiment = create_experiment(session, "big", user.id)
        run = create_run(session, experiment.id, "r", SPEC, created_by=user.id)
        run_id = run.id
        rows = [{"number": i, "state": "failed" if i % 100 == 7 else "complete",
                 "values": None if i % 100 == 7 else [abs(i - 1234) / n],
                 "params": {"alpha": i / n}, "started_at": start + timedelta(seconds=i),
                 "finished_at": start + timedelta(seconds=i + 1)} for i in range(n)]
        rows += [{"number": n + i, "state": "running", "params": {"alpha": 0.5},
                  "started_at": start + timedelta(seconds=n + i)} for i in range(3)]
        upsert_trials(session, run_id, rows)
    with database.session() as session:
        append_events(session, run_id, [{"kind": "control",
                                         "metrics": {"kind": "pause", "status": "paused"}}])
    with database.session() as session:
        from optunagui.store import TrialEvent

        event = session.query(TrialEvent).filter_by(run_id=run_id, kind="control").one()
        event.created_at = start + timedelta(seconds=500.5)
    snapshot = load_snapshot(database, run_id)
    complete = [i for i in range(n) if i % 100 != 7]
    assert [number for number, _ in snapshot.points] == complete
    assert 1234 in {t.number for t in snapshot.detail}  # the best (rmse: minimize)
    assert len(snapshot.detail) <= MAX_POINTS < len(snapshot.points)
    assert [t.number for t in snapshot.finished] == list(range(n - MAX_BARS, n))
    assert [t.number for t in snapshot.running] == [n, n + 1, n + 2]
    counts = snapshot.counts
    assert (counts["running"], counts["complete"], counts["failed"]) == (3, len(complete),
                                                                         n - len(complete))
    assert snapshot.marks == [500] and snapshot.last_number == n + 2
