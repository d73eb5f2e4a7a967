from __future__ import annotations

import pytest
from sqlalchemy import func, select

from optunagui.store import (
    Database,
    Experiment,
    InvalidState,
    Membership,
    NotFound,
    Run,
    TrialEvent,
    User,
    append_events,
    create_experiment,
    create_run,
    create_user,
    delete_experiment,
    get_experiment,
    get_role,
    list_experiments_for_user,
    list_members,
    remove_member,
    rename_experiment,
    set_baseline_run,
    set_member_role,
    upsert_trials,
)
from optunagui.store import Trial as TrialTable
from tests.store.conftest import SPEC


def test_create_experiment_makes_creator_owner(db: Database, owner: User) -> None:
    with db.session() as session:
        experiment = create_experiment(session, " iris ", owner.id)
        assert experiment.name == "iris"
        assert get_role(session, experiment.id, owner.id) == "owner"
        assert get_experiment(session, 999_999) is None
        with pytest.raises(NotFound):
            create_experiment(session, "x", 999_999)
        with pytest.raises(ValueError):
            create_experiment(session, "  ", owner.id)


def test_list_experiments_for_user_shows_members_and_admin_sees_all(
    db: Database, owner: User, experiment: Experiment
) -> None:
    with db.session() as session:
        viewer = create_user(session, "vic", "h")
        outsider = create_user(session, "out", "h")
        admin = create_user(session, "root", "h", is_admin=True)
        other = create_experiment(session, "wine", outsider.id)
        set_member_role(session, experiment.id, viewer.id, "viewer")
    with db.session() as session:
        mine = list_experiments_for_user(session, owner.id)
        assert [(a.experiment.name, a.role) for a in mine] == [("iris", "owner")]
        assert [a.role for a in list_experiments_for_user(session, viewer.id)] == ["viewer"]
        seen = {a.experiment.id: a.role for a in list_experiments_for_user(session, admin.id)}
        assert seen == {experiment.id: None, other.id: None}
        assert list_experiments_for_user(session, 999_999) == []


def test_rename_experiment_and_unknown_raises(db: Database, experiment: Experiment) -> None:
    with db.session() as session:
        renamed = rename_experiment(session, experiment.id, "iris v2")
        assert renamed.updated_at >= experiment.updated_at
        with pytest.raises(NotFound):
            rename_experiment(session, 999_999, "x")
    with db.session() as session:
        assert get_experiment(session, experiment.id).name == "iris v2"


def test_memberships_roles_and_last_owner_guard(
    db: Database, owner: User, experiment: Experiment
) -> None:
    with db.session() as session:
        bob = create_user(session, "bob", "h")
        set_member_role(session, experiment.id, bob.id, "editor")
        set_member_role(session, experiment.id, bob.id, "viewer")
        assert get_role(session, experiment.id, bob.id) == "viewer"
        assert [(m.username, m.role) for m in list_members(session, experiment.id)] == [
            ("ada", "owner"),
            ("bob", "viewer"),
        ]
        with pytest.raises(InvalidState):
            set_member_role(session, experiment.id, owner.id, "editor")
        with pytest.raises(InvalidState):
            remove_member(session, experiment.id, owner.id)
        with pytest.raises(ValueError, match="unknown role"):
            set_member_role(session, experiment.id, bob.id, "admin")
        with pytest.raises(NotFound):
            set_member_role(session, experiment.id, 999_999, "viewer")
        remove_member(session, experiment.id, bob.id)
        assert get_role(session, experiment.id, bob.id) is None
        with pytest.raises(NotFound):
            remove_member(session, experiment.id, bob.id)


def test_delete_experiment_cascades_to_runs_trials_events_memberships(
    db: Database, owner: User, experiment: Experiment
) -> None:
    with db.session() as session:
        run = create_run(session, experiment.id, "r", SPEC, created_by=owner.id)
        set_baseline_run(session, experiment.id, run.id)
        upsert_trials(session, run.id, [{"number": 0, "state": "complete", "values": [0.9]}])
        append_events(session, run.id, [{"kind": "started", "trial_number": 0}])
    with db.session() as session:
        assert delete_experiment(session, experiment.id) == [run.study_name]
    with db.session() as session:
        for table in (Experiment, Membership, Run, TrialTable, TrialEvent):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert session.get(User, owner.id) is not None
        with pytest.raises(NotFound):
            delete_experiment(session, experiment.id)


def test_set_baseline_run_checks_experiment(db: Database, owner: User, run: Run) -> None:
    with db.session() as session:
        other = create_experiment(session, "other", owner.id)
        with pytest.raises(ValueError, match="belongs to experiment"):
            set_baseline_run(session, other.id, run.id)
        assert set_baseline_run(session, run.experiment_id, run.id).baseline_run_id == run.id
        assert set_baseline_run(session, run.experiment_id, None).baseline_run_id is None
