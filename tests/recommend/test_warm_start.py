"""Warm-start configurations from earlier runs: the best k distinct, adapted to the draft's
space, with their sources; only from runs the user may read (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optunagui.recommend import (
    PastRun,
    apply_warm_start,
    warm_start_for_spec,
    warm_start_from_history,
)
from optunagui.recommend.warm_start import adapt_config
from optunagui.spec.model import ParamSpec
from optunagui.spec.validation import validate_spec
from optunagui.store import create_experiment, create_user, set_member_role
from tests.recommend.planted import SPACE, planted_run, trial_row
from tests.recommend.stored import draft, store_run

IRIS = {"builtin": "iris"}


def _peak(params):
    return -abs(params["subsample"] - 0.8) - abs(params["colsample_bytree"] - 0.6)


def _run(**options) -> PastRun:
    return replace(planted_run(_peak, **options), metric="accuracy")


def test_warm_start_takes_the_best_k_distinct_configurations_best_first():
    run = _run(n=60)
    found = warm_start_from_history(SPACE, [run], k=4, metric="accuracy")
    ranked = sorted(run.finished(), key=lambda t: -t.value)
    assert [c.trial_number for c in found.configs] == [t.number for t in ranked[:4]]
    assert found.configs[0].params == ranked[0].params
    assert found.configs[0].source == (f"trial {ranked[0].number} of run 1, "
                                       f"{ranked[0].value:.4g}")
    assert found.params() == [t.params for t in ranked[:4]]
    assert found.skipped == 0 and found.summary == "the best 4 configurations of run 1"
    # the same configuration twice counts once
    twice = replace(run, trials=[*run.trials, trial_row(999, dict(ranked[0].params),
                                                        ranked[0].value + 1.0)])
    again = warm_start_from_history(SPACE, [twice], k=2, metric="accuracy")
    assert [c.trial_number for c in again.configs] == [999, ranked[1].number]


def test_warm_start_follows_the_direction_and_joins_runs_of_the_draft_metric():
    low = replace(_run(run_id=1, seed=1, direction="minimize"), metric="rmse")
    other = replace(_run(run_id=2, seed=2, direction="minimize"), metric="rmse")
    found = warm_start_from_history(SPACE, [low, other], k=6, metric="rmse",
                                    direction="minimize")
    values = [c.value for c in found.configs]
    assert values == sorted(values)
    best = min(t.value for r in (low, other) for t in r.finished())
    assert values[0] == best and {c.run_id for c in found.configs} <= {1, 2}
    # no run measured the draft's metric: each run ranked by its own, taking turns
    turns = warm_start_from_history(SPACE, [low, other], k=4, metric="r2")
    assert [c.run_id for c in turns.configs] == [1, 2, 1, 2]


def test_warm_start_skips_configurations_outside_the_drafts_space_and_says_how_many():
    run = _run(n=60)
    narrow = {**SPACE, "subsample": ParamSpec(type="float", low=0.5, high=0.7)}
    found = warm_start_from_history(narrow, [run], k=3, metric="accuracy")
    assert all(0.5 <= c.params["subsample"] <= 0.7 for c in found.configs)
    better = [t for t in run.finished() if t.value > found.configs[0].value]
    assert found.skipped >= len(better) > 0
    assert f"({found.skipped} better ones skipped: values outside the draft's space)" \
        in found.summary


def test_adapt_config_drops_what_the_draft_lacks_and_leaves_new_parameters_to_the_sampler():
    space = {"C": ParamSpec(type="float", low=0.1, high=10.0, log=True),
             "kernel": ParamSpec(type="categorical", choices=["rbf", "linear"]),
             "gamma": ParamSpec(type="float", low=1e-3, high=1.0, log=True,
                                when={"kernel": ["rbf"]}),
             "tol": ParamSpec(type="fixed", value=1e-3),
             "shrinking": ParamSpec(type="categorical", choices=[True, False])}
    assert adapt_config({"C": 1.0, "kernel": "linear", "gamma": 0.5, "tol": 1e-3,
                         "degree": 3}, space) == ({"C": 1.0, "kernel": "linear"},
                                                  ("shrinking",))
    assert adapt_config({"C": 1.0, "kernel": "rbf"}, space) == (
        {"C": 1.0, "kernel": "rbf"}, ("gamma", "shrinking"))
    assert adapt_config({"C": 50.0, "kernel": "rbf"}, space) is None  # outside the range
    assert adapt_config({"C": 1.0, "kernel": "poly"}, space) is None  # a choice it lacks
    # the draft's fixed value applies, whatever the trial had
    assert adapt_config({"C": 1.0, "tol": 0.1, "kernel": "linear"}, space) == (
        {"C": 1.0, "kernel": "linear"}, ("shrinking",))
    assert adapt_config({"degree": 3}, space) is None  # nothing of the draft's


def test_warm_start_needs_enough_finished_trials():
    found = warm_start_from_history(SPACE, [_run(n=5)], k=3)
    assert found.configs == () and found.summary == "no earlier run to start from"


@pytest.fixture
def people(db):
    with db.session() as session:
        ids = {name: create_user(session, name, "hash").id for name in ("olivia", "otto")}
        ids["alpha"] = create_experiment(session, "Alpha", ids["olivia"]).id
        ids["bravo"] = create_experiment(session, "Bravo", ids["otto"]).id
    return ids


def test_warm_start_for_spec_reads_only_runs_the_user_may_read(db, people):
    run_id = store_run(db, people["alpha"], people["olivia"], IRIS, n=30)
    spec = draft(IRIS, budget={"n_trials": 3})
    with db.session() as session:
        mine = warm_start_for_spec(session, spec, people["olivia"], k=5)
        outsider = warm_start_for_spec(session, spec, people["otto"], k=5)
        refused = warm_start_for_spec(session, spec, people["olivia"],
                                      may_read_run=lambda _run_id: False)
    assert len(mine.configs) == 3  # at most the draft's budget
    assert {c.run_id for c in mine.configs} == {run_id} and mine.runs == (run_id,)
    assert [c.value for c in mine.configs] == sorted((c.value for c in mine.configs),
                                                     reverse=True)
    assert outsider.configs == () and outsider.runs == ()
    assert refused.configs == ()
    # given a role on the experiment, the same user gets them
    with db.session() as session:
        set_member_role(session, people["alpha"], people["otto"], "viewer")
        granted = warm_start_for_spec(session, spec, people["otto"], k=5)
    assert granted.params() == mine.params()
    taken = validate_spec(apply_warm_start(spec.to_dict(), mine))
    assert taken.warm_start == mine.params()
