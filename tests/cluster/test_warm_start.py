"""A run's warm start on the session's local Ray: the spec's configurations are its first
trials, marked in the study and in the product's tables, and a resumed run enqueues none again."""

from __future__ import annotations

import optuna
import pytest

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.exports.run_files import trials_frame
from optunagui.spec.validation import validate_spec
from optunagui.store.tables import Run
from tests.cluster._runs import make_run, make_spec, steps_objective

pytestmark = pytest.mark.ray

WARM = [{"C": 0.5, "class_weight": "balanced"}, {"C": 7.25, "class_weight": None}]


def _spec(n_trials: int, sampler: str = "tpe"):
    raw = make_spec(budget={"n_trials": n_trials, "max_concurrent": 1},
                    sampler={"name": sampler, "seed": 3}).to_dict()
    return validate_spec({**raw, "warm_start": WARM})


def _study(db, study_name: str) -> optuna.Study:
    return optuna.load_study(study_name=study_name, storage=db.optuna_storage())


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_warm_start_configurations_are_the_first_trials_and_marked(
        ray_local, tmp_settings, sqlite_db, sampler):
    run_id, study_name = make_run(sqlite_db, _spec(4, sampler))

    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(2),
                      poll_interval_s=0.2) == "completed"

    trials = sorted(_study(sqlite_db, study_name).get_trials(), key=lambda t: t.number)
    assert len(trials) == 4
    for index, config in enumerate(WARM):
        assert {k: trials[index].params[k] for k in config} == config
        assert trials[index].user_attrs["warm_start"] == index
    assert all("warm_start" not in t.user_attrs for t in trials[2:])
    with sqlite_db.session() as session:
        rows = store.list_trials(session, run_id)
        frame = trials_frame(session, run_id)
    marks = {row.number: (row.user_attrs or {}).get("warm_start") for row in rows}
    assert marks == {0: 0, 1: 1, 2: None, 3: None}
    assert {k: rows[0].params[k] for k in WARM[0]} == WARM[0]
    assert rows[0].user_attrs["device"] == "cpu" and rows[0].user_attrs["fold_scores"] == {}
    assert list(frame["warm_start"].astype(object).where(frame["warm_start"].notna(), None)) \
        == [0, 1, None, None]


def test_resumed_run_does_not_enqueue_its_warm_start_again(ray_local, tmp_settings, sqlite_db):
    run_id, study_name = make_run(sqlite_db, _spec(2))
    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(2),
                      poll_interval_s=0.2) == "completed"
    # A driver that died leaves "running"; the resumed run has two more trials to go.
    with sqlite_db.session() as session:
        run = session.get(Run, run_id)
        run.status, run.n_trials_budget = "running", 4

    assert run_driver(run_id, tmp_settings, resume=True, evaluate=steps_objective(2),
                      poll_interval_s=0.2) == "completed"

    trials = _study(sqlite_db, study_name).get_trials()
    assert len(trials) == 4
    assert sorted(t.number for t in trials if "warm_start" in t.user_attrs) == [0, 1]
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    with sqlite_db.session() as session:
        rows = store.list_trials(session, run_id)
    assert [(r.user_attrs or {}).get("warm_start") for r in rows] == [0, 1, None, None]
