"""Replay: the same spec, dataset version and seed suggest the same parameters again."""

from __future__ import annotations

import pytest

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.cli import main
from optunagui.replay import ReplayError, create_replay
from optunagui.store import Database
from tests.cluster._runs import make_run, make_spec

pytestmark = pytest.mark.ray


def _params(db: Database, run_id: int) -> list[dict]:
    with db.session() as session:
        return [t.params for t in store.list_trials(session, run_id)]


def test_replay_suggests_the_same_parameters(ray_local, tmp_settings, sqlite_db):
    spec = make_spec(
        space={"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True},
               "penalty": {"type": "categorical", "choices": ["l2", None]}},
        sampler={"name": "tpe", "seed": 11, "options": {"n_startup_trials": 2}},
        budget={"n_trials": 4, "max_concurrent": 1},
    )
    run_id, _ = make_run(sqlite_db, spec, name="original")
    assert run_driver(run_id, tmp_settings, poll_interval_s=0.2) == "completed"

    with sqlite_db.session() as session:
        replay = create_replay(session, run_id, created_by=None)
    assert replay.warnings == ()
    assert run_driver(replay.run_id, tmp_settings, poll_interval_s=0.2) == "completed"

    original, again = _params(sqlite_db, run_id), _params(sqlite_db, replay.run_id)
    assert len(original) == 4 and original == again
    with sqlite_db.session() as session:
        first, second = store.get_run(session, run_id), store.get_run(session, replay.run_id)
        assert second.name == f"original (replay of #{run_id})"
        assert second.experiment_id == first.experiment_id and second.spec == first.spec
        assert second.study_name != first.study_name


def test_replay_says_what_keeps_it_from_repeating(tmp_settings, sqlite_db, capsys):
    spec = make_spec(sampler={"name": "random"}, budget={"n_trials": 4, "max_concurrent": 2})
    run_id, _ = make_run(sqlite_db, spec)
    with sqlite_db.session() as session:
        replay = create_replay(session, run_id, created_by=None)
        assert any("has no seed" in w for w in replay.warnings)
        assert any("2 trials ran at a time" in w for w in replay.warnings)
        with pytest.raises(ReplayError, match="run 999 does not exist"):
            create_replay(session, 999, created_by=None)
    assert main(["replay", "999"]) == 1
    assert "run 999 does not exist" in capsys.readouterr().err
