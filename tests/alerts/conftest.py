from __future__ import annotations

import pytest

from optunagui.store import (
    Database,
    Experiment,
    Run,
    User,
    create_experiment,
    create_run,
    create_user,
    set_member_role,
)

SPEC = {
    "name": "iris-lgbm",
    "model": "lightgbm",
    "metrics": [{"name": "roc_auc", "direction": "maximize"},
                {"name": "log_loss", "direction": "minimize"}],
    "budget": {"n_trials": 50, "max_concurrent": 2},
    "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True}},
}


@pytest.fixture
def experiment(db: Database, owner: User) -> Experiment:
    with db.session() as session:
        return create_experiment(session, "iris", owner.id)


@pytest.fixture
def run(db: Database, experiment: Experiment, owner: User) -> Run:
    with db.session() as session:
        return create_run(session, experiment.id, "lgbm #1", SPEC, created_by=owner.id)


@pytest.fixture
def viewer(db: Database, experiment: Experiment) -> User:
    with db.session() as session:
        user = create_user(session, "vic", "hash-vic")
        set_member_role(session, experiment.id, user.id, "viewer")
        return user


@pytest.fixture
def outsider(db: Database) -> User:
    with db.session() as session:
        return create_user(session, "olga", "hash-olga")
