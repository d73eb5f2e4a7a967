from __future__ import annotations

import pytest

from optunagui.store import (
    Conflict,
    Database,
    Experiment,
    InvalidState,
    NotFound,
    Run,
    User,
    acknowledge_control,
    create_run,
    get_pending_control,
    get_run,
    get_run_by_study_name,
    list_events_after,
    list_runs,
    list_runs_in_group,
    request_control,
    set_current_space,
    set_run_process,
    update_run_status,
)
from tests.store.conftest import SPEC


def test_create_run_stores_spec_and_defaults(db: Database, run: Run) -> None:
    with db.session() as session:
        again = get_run(session, run.id)
        assert again.spec == SPEC
        assert again.status == "queued"
        assert again.n_trials_budget == 50
        assert again.current_space == SPEC["space"]
        assert again.study_name.startswith("run-")
        assert get_run_by_study_name(session, again.study_name).id == run.id
        assert get_run(session, 999_999) is None


def test_create_run_bad_references_and_duplicate_study(
    db: Database, experiment: Experiment, run: Run
) -> None:
    with db.session() as session:
        with pytest.raises(NotFound):
            create_run(session, 999_999, "r", SPEC)
        with pytest.raises(NotFound):
            create_run(session, experiment.id, "r", SPEC, created_by=999_999)
        with pytest.raises(NotFound):
            create_run(session, experiment.id, "r", SPEC, dataset_version_id=999_999)
        with pytest.raises(Conflict, match="study name"):
            create_run(session, experiment.id, "r", SPEC, study_name=run.study_name)
        with pytest.raises(TypeError):
            create_run(session, experiment.id, "r", ["not", "a", "spec"])


def test_list_runs_newest_first_with_status_and_group(
    db: Database, experiment: Experiment, run: Run
) -> None:
    with db.session() as session:
        a = create_run(session, experiment.id, "a", SPEC, group_key="g1")
        b = create_run(session, experiment.id, "b", SPEC, group_key="g1")
        update_run_status(session, b.id, "running")
    with db.session() as session:
        assert [r.id for r in list_runs(session, experiment.id)] == [b.id, a.id, run.id]
        assert [r.id for r in list_runs(session, experiment.id, status="running")] == [b.id]
        assert [r.id for r in list_runs_in_group(session, "g1")] == [a.id, b.id]
        assert list_runs(session, 999_999) == []
        with pytest.raises(ValueError):
            list_runs(session, experiment.id, status="nope")


def test_update_run_status_stamps_times_and_keeps_finished(db: Database, run: Run) -> None:
    with db.session() as session:
        running = update_run_status(session, run.id, "running")
        started = running.started_at
        assert started is not None and running.finished_at is None
        update_run_status(session, run.id, "paused")
        update_run_status(session, run.id, "running")
        assert get_run(session, run.id).started_at == started
        done = update_run_status(session, run.id, "failed", reason="driver died")
        assert done.finished_at is not None and done.status_reason == "driver died"
        with pytest.raises(InvalidState):
            update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "failed", reason="driver crashed")
        with pytest.raises(ValueError):
            update_run_status(session, run.id, "exploded")
        with pytest.raises(NotFound):
            update_run_status(session, 999_999, "running")


def test_set_run_process_records_handles(db: Database, run: Run) -> None:
    with db.session() as session:
        set_run_process(session, run.id, ray_job_id="raysubmit_1", driver_pid=4321)
    with db.session() as session:
        again = get_run(session, run.id)
        assert (again.ray_job_id, again.driver_pid) == ("raysubmit_1", 4321)


def test_control_request_pending_then_acknowledged(db: Database, run: Run, owner: User) -> None:
    with db.session() as session:
        assert get_pending_control(session, run.id) is None
        pause = request_control(session, run.id, "pause", requested_by=owner.id)
    with db.session() as session:
        pending = get_pending_control(session, run.id)
        assert pending["id"] == pause["id"] and pending["kind"] == "pause"
        acknowledge_control(session, run.id, pause["id"])
    with db.session() as session:
        assert get_pending_control(session, run.id) is None
        assert get_run(session, run.id).control_ack_id == pause["id"]
        [event] = list_events_after(session, run.id)
        assert event.kind == "control" and event.trial_number is None
        assert event.metrics["request_id"] == pause["id"]


def test_control_latest_request_wins_and_ranges_update_space(db: Database, run: Run) -> None:
    new_space = {"learning_rate": {"type": "float", "low": 0.01, "high": 0.1}}
    with db.session() as session:
        stale = request_control(session, run.id, "pause")
        ranges = request_control(session, run.id, "ranges", new_space)
        assert get_pending_control(session, run.id)["id"] == ranges["id"]
        with pytest.raises(NotFound):
            acknowledge_control(session, run.id, stale["id"])
        acknowledge_control(session, run.id, ranges["id"], record_event=False)
        acknowledge_control(session, run.id, ranges["id"])  # again: no-op
        assert list_events_after(session, run.id) == []
    with db.session() as session:
        assert get_run(session, run.id).current_space == new_space


def test_control_rejects_bad_kind_missing_payload_finished_run(db: Database, run: Run) -> None:
    with db.session() as session:
        with pytest.raises(ValueError):
            request_control(session, run.id, "reboot")
        with pytest.raises(ValueError):
            request_control(session, run.id, "ranges")
        with pytest.raises(NotFound):
            request_control(session, 999_999, "stop")
        update_run_status(session, run.id, "completed")
        with pytest.raises(InvalidState):
            request_control(session, run.id, "stop")
        assert get_pending_control(session, 999_999) is None


def test_set_current_space_replaces_space(db: Database, run: Run) -> None:
    with db.session() as session:
        set_current_space(session, run.id, {"alpha": {"type": "float", "low": 0, "high": 1}})
        with pytest.raises(NotFound):
            set_current_space(session, 999_999, {})
    with db.session() as session:
        assert list(get_run(session, run.id).current_space) == ["alpha"]
