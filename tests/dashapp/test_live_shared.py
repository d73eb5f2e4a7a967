"""The run page's first render shared between viewers of the same run at the same cursor.

``SharedResults`` computes a key once however many threads ask at once; ``load_snapshot``
shares everything but the run's row between requests at the same event cursor, reads again
after a new event, and the page still checks each viewer's role before it reads anything.
"""

from __future__ import annotations

import threading
import time

import pytest

from dashapp.pages.run.live.first_render import load_first_render, shared_views
from dashapp.pages.run.live.reads import load_tick
from dashapp.pages.run.live.shared import SharedResults, shared_for
from dashapp.pages.run.live.snapshot import load_snapshot, shared_snapshots
from optunagui.store import (
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
    upsert_trials,
)
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

SHOW = "..run-denied.children"


def test_shared_results_compute_once_for_concurrent_requests():
    shared: SharedResults[list[int]] = SharedResults()
    started, release, calls = threading.Event(), threading.Event(), []

    def compute() -> list[int]:
        calls.append(1)
        started.set()
        release.wait(5)
        return [42]

    answers: list[list[int]] = []
    threads = [threading.Thread(target=lambda: answers.append(shared.get(1, 7, compute)))
               for _ in range(6)]
    threads[0].start()
    assert started.wait(5)
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1 and len(answers) == 6
    assert all(answer is answers[0] for answer in answers)
    assert shared.counts.computed == 1 and shared.counts.shared == 5


def test_shared_results_a_failed_computation_is_not_kept():
    shared: SharedResults[int] = SharedResults()

    def fail() -> int:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError, match="database away"):
        shared.get(1, 7, fail)
    assert shared.get(1, 7, lambda: 3) == 3 and shared.counts.computed == 1


def test_shared_results_keep_the_newest_key_of_a_bounded_number_of_groups():
    shared: SharedResults[str] = SharedResults(max_groups=2)
    shared.get("run 1", 10, lambda: "at 10")
    assert shared.get("run 1", 11, lambda: "at 11") == "at 11"
    assert shared.get("run 1", 10, lambda: "at 10 again") == "at 10 again"  # 11 replaced it
    shared.get("run 2", 5, lambda: "two")
    shared.get("run 3", 5, lambda: "three")
    assert len(shared) == 2
    assert shared.get("run 1", 10, lambda: "read again") == "read again"  # dropped first
    with pytest.raises(ValueError, match="max_groups must be at least 1"):
        SharedResults(max_groups=0)


def _trials(database, run_id: int, numbers: range) -> None:
    with database.session() as session:
        upsert_trials(session, run_id, [
            {"number": n, "state": "complete", "values": [0.5 + n / 100],
             "params": {"learning_rate": 0.01 * (n + 1)}} for n in numbers])
        append_events(session, run_id, [{"kind": "completed", "trial_number": n}
                                        for n in numbers])


def _run(database) -> int:
    with database.session() as session:
        user = create_user(session, "reader", "x")
        experiment = create_experiment(session, "e", user.id)
        spec = {"metrics": [{"name": "rmse", "direction": "minimize"}]}
        run_id = create_run(session, experiment.id, "r", spec, created_by=user.id).id
        update_run_status(session, run_id, "running")
    return run_id


def test_snapshot_is_shared_at_the_same_cursor_and_read_again_after_an_event(database):
    run_id = _run(database)
    _trials(database, run_id, range(3))
    first = load_snapshot(database, run_id)
    second = load_snapshot(database, run_id)
    shared = shared_snapshots(database)
    assert shared.counts.computed == 1 and shared.counts.shared == 1
    assert second.points is first.points and second.cursor == first.cursor

    _trials(database, run_id, range(3, 4))
    third = load_snapshot(database, run_id)
    assert shared.counts.computed == 2
    assert third.cursor > first.cursor
    assert [n for n, _ in third.points] == [0, 1, 2, 3]


def test_snapshot_reads_the_run_row_again_when_no_event_came(database):
    run_id = _run(database)
    _trials(database, run_id, range(2))
    assert load_snapshot(database, run_id).run.status != "paused"
    with database.session() as session:
        update_run_status(session, run_id, "paused")
    again = load_snapshot(database, run_id)
    assert again.run.status == "paused"
    assert shared_snapshots(database).counts.computed == 1


def test_first_render_refuses_an_outsider_after_a_viewer_filled_the_cache(
        app, client_for, database, world):
    _trials(database, world.run_id, range(3))
    values = {"run_id": str(world.run_id)}
    shown = post_callback(client_for("vic"), app, callback_key(app, SHOW), values)
    assert RUN_NAME in shown.get_data(as_text=True)
    shared = shared_snapshots(database)
    assert shared.counts.computed == 1

    refused = post_callback(client_for("otto"), app, callback_key(app, SHOW), values)
    text = refused.get_data(as_text=True)
    assert "does not exist, or you have no access" in text
    assert RUN_NAME not in text and "learning_rate" not in text
    assert shared.counts.computed == 1 and shared.counts.shared == 0  # never reached it
    post_callback(client_for("ed"), app, callback_key(app, SHOW), values)
    assert shared.counts.shared == 1


def test_shared_results_a_request_at_a_newer_key_joins_the_flight_of_its_group():
    shared: SharedResults[str] = SharedResults()
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "at 10"

    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(shared.get("run", 10, slow)))
    first.start()
    assert started.wait(5)
    second = threading.Thread(
        target=lambda: answers.append(shared.get("run", 11, lambda: "at 11")))
    second.start()
    time.sleep(0.3)  # the second is waiting for the first (it would compute "at 11" after it)
    release.set()
    first.join(5)
    second.join(5)
    assert answers == ["at 10", "at 10"] and shared.counts.computed == 1
    assert shared.get("run", 11, lambda: "at 11") == "at 11"  # kept for 10 only


def test_first_render_views_are_shared_and_built_again_when_the_run_row_changed(database):
    run_id = _run(database)
    _trials(database, run_id, range(3))
    _, views = load_first_render(database, run_id)
    _, again = load_first_render(database, run_id)
    assert again is views and shared_views(database).counts.computed == 1
    with database.session() as session:
        update_run_status(session, run_id, "paused")
    paused_snapshot, paused = load_first_render(database, run_id)
    assert paused is not views and paused.state.status == "paused"
    assert paused_snapshot.run.status == "paused"


def test_poll_reads_are_shared_at_the_same_cursor_and_last_event(database):
    run_id = _run(database)
    _trials(database, run_id, range(2))
    cursor = load_snapshot(database, run_id).cursor
    assert load_tick(database, run_id, cursor).events == []  # nothing new: nothing read
    _trials(database, run_id, range(2, 4))
    first = load_tick(database, run_id, cursor)
    second = load_tick(database, run_id, cursor)
    ticks = shared_for(database, "ticks", SharedResults)
    assert ticks.counts.computed == 1 and ticks.counts.shared == 1
    assert second.events is first.events and [e.trial_number for e in first.events] == [2, 3]
    assert first.counts["complete"] == 4
    _trials(database, run_id, range(4, 5))
    newer = load_tick(database, run_id, cursor)
    assert ticks.counts.computed == 2
    assert [e.trial_number for e in newer.events] == [2, 3, 4] and newer.counts["complete"] == 5
    later = load_tick(database, run_id, first.events[-1].id)
    assert [e.trial_number for e in later.events] == [4]
