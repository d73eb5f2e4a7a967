"""The spec's warm start: configurations checked against the run's resolved space."""

from __future__ import annotations

from typing import Any

import pytest

from optunagui.spec.validation import SpecError, validate_spec
from optunagui.spec.warm_start import MAX_WARM_START

FOREST = {"name": "ws", "dataset": {"builtin": "iris"}, "model": "random_forest",
          "budget": {"n_trials": 60}}
SVM = {"name": "ws", "dataset": {"builtin": "iris"}, "model": "svm", "budget": {"n_trials": 10}}


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        validate_spec(raw)
    return [str(p) for p in error.value.problems]


def test_warm_start_is_normalised_and_kept():
    spec = validate_spec({**FOREST, "warm_start": [{"max_depth": 8.0, "max_features": 1},
                                                   {"n_estimators": 120}]})
    assert spec.warm_start == [{"max_depth": 8, "max_features": 1}, {"n_estimators": 120}]
    assert isinstance(spec.warm_start[0]["max_depth"], int)
    assert validate_spec(spec.to_dict()).warm_start == spec.warm_start
    assert validate_spec(FOREST).warm_start is None
    assert "warm_start" not in validate_spec(FOREST).to_dict()


@pytest.mark.parametrize(("config", "expected"), [
    ({"max_depth": 400}, "warm_start[0].max_depth: 400 is outside 2..32"),
    ({"max_depth": 2.5}, "warm_start[0].max_depth: needs a whole number, got 2.5"),
    ({"max_depth": "deep"}, "warm_start[0].max_depth: needs a whole number, got str 'deep'"),
    ({"max_depth": True}, "warm_start[0].max_depth: needs a whole number, got bool True"),
    ({"max_features": None}, "warm_start[0].max_features: needs a number, got NoneType None"),
    ({"n_estimators": 55}, "warm_start[0].n_estimators: 55 is not on its step 10 from 50"),
    ({"depth": 3}, "warm_start[0].depth: unknown parameter; parameters: n_estimators, "
                   "max_depth, min_samples_split, min_samples_leaf, max_features"),
    ({}, "warm_start[0]: an empty configuration"),
])
def test_warm_start_bad_values_name_the_index_and_parameter(config, expected):
    problems = _problems({**FOREST, "warm_start": [config]})
    assert len(problems) == 1 and problems[0].startswith(expected)


def test_warm_start_reports_every_configuration_and_duplicates():
    problems = _problems({**FOREST, "warm_start": [
        {"max_depth": 4}, {"max_depth": 1}, {"max_depth": 4.0}, {"min_samples_leaf": 0}]})
    assert problems == ["warm_start[1].max_depth: 1 is outside 2..32",
                        "warm_start[2]: the same configuration as warm_start[0]",
                        "warm_start[3].min_samples_leaf: 0 is outside 1..20"]


def test_warm_start_is_capped_and_fits_the_budget():
    many = [{"max_depth": 2 + i % 30, "n_estimators": 50 + 10 * (i // 30)}
            for i in range(MAX_WARM_START + 1)]
    assert _problems({**FOREST, "budget": {"n_trials": 100}, "warm_start": many}) == [
        f"warm_start: {MAX_WARM_START + 1} configurations; at most {MAX_WARM_START}"]
    assert _problems({**FOREST, "budget": {"n_trials": 1}, "warm_start": many[:2]}) == [
        "warm_start: 2 configurations but the budget is 1 trial; raise budget.n_trials or "
        "give fewer"]
    # quick mode's budget (at most 20 trials) is the one the run has
    assert _problems({**FOREST, "quick": True, "warm_start": many[:21]})[0].startswith(
        "warm_start: 21 configurations but the budget is 20 trials")


def test_warm_start_conditional_parameters_may_be_absent_when_inactive():
    spec = validate_spec({**SVM, "warm_start": [{"kernel": "linear", "C": 2.0},
                                                {"kernel": "rbf", "C": 1.0, "gamma": 0.1},
                                                {"gamma": 0.5}]})
    assert spec.warm_start[0] == {"kernel": "linear", "C": 2.0}
    problems = _problems({**SVM, "warm_start": [{"kernel": "linear", "gamma": 0.1},
                                                {"kernel": "poly"}]})
    assert problems == [
        "warm_start[0].gamma: only used when kernel is one of 'rbf', which this "
        "configuration's values rule out; leave it out",
        "warm_start[1].kernel: 'poly' is not one of its choices: 'rbf', 'linear'"]


def test_warm_start_fixed_parameter_must_hold_its_value():
    assert _problems({**SVM, "preset": "fast", "warm_start": [{"kernel": "linear"}]}) == [
        "warm_start[0].kernel: 'linear' differs from its fixed value 'rbf'"]
    # with kernel fixed at rbf, gamma is active
    assert validate_spec({**SVM, "preset": "fast",
                          "warm_start": [{"gamma": 0.01}]}).warm_start == [{"gamma": 0.01}]


def test_warm_start_refused_for_the_grid_sampler_and_code_runs():
    grid = {**FOREST, "space": {"max_features": {"type": "float", "low": 0.5, "high": 1.0,
                                                 "step": 0.25}},
            "sampler": {"name": "grid"}, "warm_start": [{"max_depth": 4}]}
    assert any(p.startswith("warm_start: the grid sampler evaluates every point")
               for p in _problems(grid))
    code = {"name": "c", "objective": {"function": "train:objective"},
            "warm_start": [{"x": 1}]}
    assert any(p.startswith("warm_start: a run of your own code suggests its own parameters")
               for p in _problems(code))


def test_warm_start_entries_must_be_mappings():
    assert _problems({**FOREST, "warm_start": [3]}) == [
        "warm_start[0]: Input should be a valid dictionary"]
