"""Model versions: numbered 1, 2, 3 per run, listed in order, gone with their run."""

from __future__ import annotations

import math

import pytest

from optunagui.store import create_run, create_user
from optunagui.store.errors import NotFound, StoreError
from optunagui.store.models import (
    ModelVersion,
    create_model_version,
    delete_model_version,
    get_model_version,
    list_model_versions,
)
from optunagui.store.runs import get_run
from tests.store.conftest import SPEC


def test_versions_count_up_per_run_with_their_paths(db, experiment, run, owner, tmp_path):
    with db.session() as session:
        other = create_run(session, experiment.id, "lgbm #2", SPEC).id
    with db.session() as session:
        first = create_model_version(session, run.id, trial_number=4, models_dir=tmp_path / "m",
                                     metrics={"accuracy": 0.9}, created_by=owner.id)
        second = create_model_version(session, run.id, trial_number=9, models_dir=tmp_path / "m",
                                      metrics={"accuracy": 0.95})
        elsewhere = create_model_version(session, other, trial_number=0, models_dir=tmp_path / "o")
        numbers = (first.version, second.version, elsewhere.version)
    with db.session() as session:
        third = create_model_version(session, run.id, trial_number=9, models_dir=tmp_path / "m")
        assert third.version == 3

    assert numbers == (1, 2, 1)
    with db.session() as session:
        versions = list_model_versions(session, run.id)
        assert [(v.version, v.trial_number) for v in versions] == [(1, 4), (2, 9), (3, 9)]
        assert [v.path for v in versions] == [str(tmp_path / "m" / f"v{n}") for n in (1, 2, 3)]
        assert versions[0].metrics == {"accuracy": 0.9} and versions[2].metrics is None
        assert (versions[0].created_by, versions[1].created_by) == (owner.id, None)
        assert versions[0].created_at.tzinfo is not None
        assert get_model_version(session, run.id, 2).metrics == {"accuracy": 0.95}
        assert get_model_version(session, run.id, 4) is None
        assert [v.version for v in list_model_versions(session, other)] == [1]


def test_metrics_that_are_not_finite_are_stored_as_null(db, run, tmp_path):
    with db.session() as session:
        create_model_version(session, run.id, trial_number=0, models_dir=tmp_path,
                             metrics={"log_loss": math.inf, "accuracy": math.nan, "f1": 0.5})
    with db.session() as session:
        stored = get_model_version(session, run.id, 1).metrics
    assert stored == {"log_loss": None, "accuracy": None, "f1": 0.5}


@pytest.mark.parametrize("trial_number", [-1, 1.5, True, "3", None])
def test_a_bad_trial_number_is_refused(db, run, tmp_path, trial_number):
    with db.session() as session, pytest.raises(ValueError, match="trial number"):
        create_model_version(session, run.id, trial_number=trial_number, models_dir=tmp_path)


def test_an_unknown_run_is_refused(db, tmp_path):
    with db.session() as session, pytest.raises(NotFound, match="run 404 does not exist"):
        create_model_version(session, 404, trial_number=0, models_dir=tmp_path)


def test_a_version_number_is_unique_within_its_run(db, run, tmp_path):
    with db.session() as session:
        create_model_version(session, run.id, trial_number=0, models_dir=tmp_path)
    with pytest.raises(StoreError), db.session() as session:
        session.add(ModelVersion(run_id=run.id, version=1, trial_number=1, path="elsewhere"))


def test_a_deleted_version_frees_nothing_else(db, run, tmp_path):
    with db.session() as session:
        for trial in (0, 1, 2):
            create_model_version(session, run.id, trial_number=trial, models_dir=tmp_path)
        delete_model_version(session, run.id, 2)
        delete_model_version(session, run.id, 99)
    with db.session() as session:
        assert [v.version for v in list_model_versions(session, run.id)] == [1, 3]
        assert create_model_version(session, run.id, trial_number=5,
                                    models_dir=tmp_path).version == 4


def test_versions_go_with_their_run_and_outlive_their_author(db, experiment, run, tmp_path):
    with db.session() as session:
        author = create_user(session, "grace", "hash-grace")
        create_model_version(session, run.id, trial_number=0, models_dir=tmp_path,
                             created_by=author.id)
    with db.session() as session:
        session.delete(session.get(type(author), author.id))
    with db.session() as session:
        assert get_model_version(session, run.id, 1).created_by is None
        session.delete(get_run(session, run.id))
    with db.session() as session:
        assert list_model_versions(session, run.id) == []
