"""Re-evaluating best configurations over several seeds on a real bundled dataset."""

from __future__ import annotations

import pytest

from optunagui.analysis.reevaluate import (
    ConfigurationToCheck,
    check_seed_count,
    compare_reevaluated,
    reevaluate,
    split_compatible,
)
from optunagui.datasets import load_builtin
from optunagui.objective import evaluate, prepare_data
from optunagui.spec.validation import validate_spec


def spec_dict(dataset: str = "breast_cancer", metric: str = "accuracy", folds: int = 3,
              seed: int = 0, **fields) -> dict:
    raw = {"name": "r", "dataset": {"builtin": dataset}, "model": "logistic_regression",
           "split": {"method": "stratified_kfold", "folds": folds, "seed": seed},
           "metrics": [{"name": metric}]}
    raw.update(fields)
    return raw


def config(label: str, C: float, **spec_fields) -> ConfigurationToCheck:
    return ConfigurationToCheck(label, spec_dict(**spec_fields), {"C": C})


@pytest.fixture(scope="module")
def breast_cancer():
    return load_builtin("breast_cancer")


def test_reevaluate_pools_seeds_times_folds_paired_scores(breast_cancer):
    result = reevaluate([config("a", 1.0), config("b", 0.01, folds=5, seed=42)], 2,
                        dataset=breast_cancer)
    assert result.refused == {}
    assert (result.n_seeds, result.folds_per_seed, result.n_pairs) == (2, 3, 6)
    assert result.metric == "accuracy" and result.direction == "maximize"
    assert [len(scores) for scores in result.scores.values()] == [6, 6]
    assert result.seconds > 0
    # Every run gets the first run's split (3 stratified folds) with seed 1, then seed 2.
    for seed, part in ((1, slice(0, 3)), (2, slice(3, 6))):
        spec = validate_spec(spec_dict(seed=seed))
        data = prepare_data(spec, breast_cancer)
        for label, C in (("a", 1.0), ("b", 0.01)):
            expected = evaluate(spec, {"C": C}, data).fold_scores["accuracy"]
            assert result.scores[label][part] == pytest.approx(expected)
    assert result.scores["a"][:3] != result.scores["a"][3:]  # the seed changes the folds


def test_identical_configurations_come_out_within_noise(breast_cancer):
    result = reevaluate([config("first", 0.5), config("same", 0.5)], 2, dataset=breast_cancer)
    (comparison,) = compare_reevaluated(result)
    assert result.scores["first"] == result.scores["same"]
    assert comparison.n == 6 and comparison.diff == 0
    assert not comparison.significant
    assert comparison.verdict.startswith("Within noise")


def test_reevaluated_runs_are_compared_against_the_baseline(breast_cancer):
    result = reevaluate([config("base", 1.0), config("x", 0.01), config("y", 0.1)], 2,
                        dataset=breast_cancer)
    comparisons = compare_reevaluated(result, baseline="base")
    assert [(c.label_a, c.label_b) for c in comparisons] == [("base", "x"), ("base", "y")]
    assert all(c.n == 6 for c in comparisons)
    all_pairs = compare_reevaluated(result)
    assert len(all_pairs) == 3


def test_runs_on_another_dataset_task_or_metric_are_refused_with_the_reason():
    runs = [config("cancer", 1.0, task="classification"), config("iris", 1.0, dataset="iris"),
            config("auc", 1.0, metric="roc_auc"),
            config("reg", 1.0, task="regression"),
            ConfigurationToCheck("broken", {"name": "x", "dataset": {"name": "data"}}, {"C": 1}),
            ConfigurationToCheck("empty", spec_dict(), {})]
    accepted, refused = split_compatible(runs)
    assert [c.label for c, _ in accepted] == ["cancer"]
    assert refused["iris"] == ("it uses dataset iris, not breast_cancer like cancer: the folds "
                               "would not hold the same rows")
    assert refused["auc"] == "it optimises roc_auc, not accuracy like cancer"
    assert refused["reg"] == "it is a regression run and cancer is a classification run"
    assert refused["broken"].startswith("its spec cannot be read")
    assert refused["empty"] == "it has no complete trial to re-evaluate"


def test_another_version_of_the_same_dataset_is_refused():
    first = ConfigurationToCheck("v1", spec_dict(dataset="synthetic_classification"), {"C": 1.0})
    other = spec_dict(dataset="synthetic_classification")
    other["dataset"]["options"] = {"n_samples": 300}
    versioned = ConfigurationToCheck("v2", other, {"C": 1.0})
    _, refused = split_compatible([first, versioned])
    assert "another version or options of dataset synthetic_classification" in refused["v2"]


def test_a_task_left_to_the_dataset_is_checked_after_loading(breast_cancer):
    result = reevaluate([config("cancer", 1.0), config("reg", 1.0, task="regression"),
                         config("also", 0.1)], 2, dataset=breast_cancer)
    assert list(result.scores) == ["cancer", "also"]
    assert result.refused == {"reg": "it is a regression run and cancer is a classification run"}


def test_only_refused_runs_give_no_scores(breast_cancer):
    result = reevaluate([ConfigurationToCheck("empty", spec_dict(), {})], 2,
                        dataset=breast_cancer)
    assert result.scores == {} and set(result.refused) == {"empty"}
    assert compare_reevaluated(result) == []


def test_a_configuration_that_fails_is_refused_and_the_others_go_on(breast_cancer):
    result = reevaluate([config("good", 1.0), config("bad", -3.0)], 2, dataset=breast_cancer)
    assert list(result.scores) == ["good"] and len(result.scores["good"]) == 6
    assert result.refused["bad"].startswith("its evaluation failed with seed 1:")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (2, 2), (10.0, 10), ("1", None), (11, None), ("2.5", None), ("abc", None),
     ("", None), (None, None), (True, None)],
)
def test_check_seed_count(raw, expected):
    value, problem = check_seed_count(raw)
    assert value == expected
    if expected is None:
        assert problem and problem.startswith("Number of seeds: give a whole number from 2 to 10")
    else:
        assert problem is None


def test_reevaluate_refuses_a_seed_count_out_of_range(breast_cancer):
    with pytest.raises(ValueError, match="n_seeds"):
        reevaluate([config("a", 1.0)], 1, dataset=breast_cancer)


def test_a_metric_without_a_written_direction_keeps_its_own(breast_cancer):
    result = reevaluate([config("a", 1.0, metric="log_loss"), config("b", 0.1, metric="log_loss")],
                        2, dataset=breast_cancer)
    assert result.metric == "log_loss" and result.direction == "minimize"
