"""The similarity score, the space overlap and the unexplored regions (no database)."""

from __future__ import annotations

import math

import pytest

from optunagui.recommend.novelty import unexplored_regions
from optunagui.recommend.overlap import param_overlap, space_overlap
from optunagui.recommend.similar import (
    NEAR_DUPLICATE,
    Comparable,
    is_near_duplicate,
    score_similarity,
)
from optunagui.spec.model import ParamSpec
from tests.recommend.planted import SPACE


def p(**entry):
    return ParamSpec.model_validate(entry)


def test_param_overlap_measures_ranges_on_their_scale_and_choices_as_jaccard():
    assert param_overlap(p(type="float", low=0, high=1), p(type="float", low=0.5, high=1.5)) \
        == pytest.approx(0.5 / 1.5)
    # On a log scale 0.01..0.1 is half of 0.01..1.
    assert param_overlap(p(type="float", low=0.01, high=0.1, log=True),
                         p(type="float", low=0.01, high=1, log=True)) == pytest.approx(0.5)
    assert param_overlap(p(type="int", low=1, high=4), p(type="int", low=5, high=9)) == 0
    assert param_overlap(p(type="categorical", choices=["a", "b"]),
                         p(type="categorical", choices=["b", "c"])) == pytest.approx(1 / 3)
    assert param_overlap(p(type="fixed", value=3), p(type="fixed", value=3)) == 1
    assert param_overlap(p(type="fixed", value=3), p(type="int", low=1, high=4)) == 0
    assert param_overlap(p(type="float", low=0, high=1), None) == 0


def test_space_overlap_averages_over_every_parameter_either_space_searches():
    same, each = space_overlap(SPACE, SPACE)
    assert same == 1 and set(each) == set(SPACE)
    fewer = {name: SPACE[name] for name in ("learning_rate", "num_leaves")}
    assert space_overlap(SPACE, fewer)[0] == pytest.approx(0.5)
    assert space_overlap({}, {}) == (1.0, {})


def comparable(**changes):
    base = {"model": "lightgbm", "task": "classification", "identity": "builtin:iris:{}",
            "split": {"method": "kfold", "folds": 5}, "metrics": (("accuracy", "maximize"),),
            "space": SPACE}
    return Comparable(**{**base, **changes})


def test_score_similarity_ranks_a_planted_near_duplicate_above_planted_dissimilar_runs():
    draft = comparable()
    nudged = dict(SPACE, subsample=p(type="float", low=0.52, high=1.0))
    twin = score_similarity(draft, comparable(space=nudged))
    other_model = score_similarity(draft, comparable(model="xgboost", space={}))
    other_data = score_similarity(draft, comparable(identity="builtin:wine:{}"), "similar data")
    elsewhere = score_similarity(draft, comparable(model="ridge", identity=None, task="regression",
                                                   split={"method": "holdout"},
                                                   metrics=(("r2", "maximize"),), space={}))
    assert twin.parts["space"] >= NEAR_DUPLICATE and twin.score > 0.98
    assert is_near_duplicate(twin, n_complete=1)
    assert not is_near_duplicate(twin, n_complete=0)
    assert twin.score > other_data.score > other_model.score > elsewhere.score
    assert other_data.data_match == "similar data" and other_data.parts["dataset"] == 0.3
    assert elsewhere.score == 0
    for similarity in (twin, other_model, other_data, elsewhere):
        assert 0 <= similarity.score <= 1
        assert not math.isnan(similarity.score)


def test_near_duplicate_needs_the_same_split_metric_and_most_of_the_space():
    draft = comparable()
    assert not is_near_duplicate(score_similarity(draft, comparable(
        split={"method": "kfold", "folds": 3})), 5)
    assert not is_near_duplicate(score_similarity(draft, comparable(
        metrics=(("accuracy", "maximize"), ("f1", "maximize")))), 5)
    half = dict(SPACE, subsample=p(type="float", low=0.5, high=0.75))
    assert score_similarity(draft, comparable(space=half)).parts["space"] < NEAR_DUPLICATE
    assert not is_near_duplicate(score_similarity(draft, comparable(space=half)), 5)


RF_DRAFT = {
    "n_estimators": p(type="int", low=50, high=500, step=10),
    "max_features": p(type="float", low=0.1, high=1.0),
    "bootstrap": p(type="categorical", choices=[True]),
}


def test_unexplored_regions_are_ranges_and_choices_no_earlier_run_searched():
    searched = [{"n_estimators": p(type="int", low=50, high=500, step=10),
                 "max_features": p(type="float", low=0.1, high=0.5),
                 "bootstrap": p(type="categorical", choices=[True])},
                {"max_features": p(type="float", low=0.3, high=0.6)}]
    found = {(u.name, u.low, u.high, u.choice): u
             for u in unexplored_regions("random_forest", RF_DRAFT, searched)}
    # The presets reach n_estimators 20 (fast) and 1000 (wide), on the draft's step grid;
    # 20 .. 40 is under MIN_GAP of that range, so it is left out.
    assert set(found) == {("n_estimators", 510, 1000, None),
                          ("max_features", 0.6, 1.0, None), ("bootstrap", None, None, False)}
    wide = found[("n_estimators", 510, 1000, None)]
    assert wide.suggested == {"type": "int", "low": 50, "high": 1000, "step": 10}
    assert not wide.in_draft
    assert found[("max_features", 0.6, 1.0, None)].in_draft
    choice = found[("bootstrap", None, None, False)]
    assert choice.suggested["choices"] == [True, False] and not choice.in_draft
    assert "searched by no earlier similar run" in choice.text
    assert unexplored_regions("random_forest", RF_DRAFT, []) == []


def test_unexplored_regions_skip_slivers_and_fully_searched_parameters():
    searched = [{"max_features": p(type="float", low=0.11, high=1.0),
                 "n_estimators": p(type="int", low=20, high=1000, step=10),
                 "bootstrap": p(type="categorical", choices=[True, False])}]
    assert unexplored_regions("random_forest", RF_DRAFT, searched) == []
