"""Checking new ranges sent from the run page: every problem named by its field."""

from __future__ import annotations

from dashapp.pages.run.ranges import check_ranges

SPACE = {
    "lr": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
    "depth": {"type": "int", "low": 2, "high": 8},
    "booster": {"type": "categorical", "choices": ["gbtree", "dart"]},
}


def test_check_ranges_accepts_new_ranges_and_keeps_the_other_parameters():
    check = check_ranges(
        SPACE,
        {"lr": {"low": "0.01", "high": 0.1, "log": True, "step": ""},
         "depth": {"low": 2, "high": "8", "log": False, "step": None}},
    )
    assert check.problems == {} and check.changed == ["lr"]
    assert check.space["lr"] == {"type": "float", "low": 0.01, "high": 0.1, "log": True}
    assert check.space["booster"] == SPACE["booster"]


def test_check_ranges_names_the_field_of_each_problem():
    check = check_ranges(
        SPACE,
        {"lr": {"low": "-1", "high": "0.1", "log": True, "step": "0.01"},
         "depth": {"low": "2.5", "high": "8", "log": False, "step": ""}},
    )
    assert check.space is None
    assert check.problems["lr"] == {
        "low": "a log range needs low > 0, got -1",
        "step": "step cannot be combined with log: true",
    }
    assert check.problems["depth"] == {"low": "must be a whole number for an int, got 2.5"}


def test_check_ranges_refuses_values_that_are_not_numbers():
    for bad in ("abc", True, [1], {"x": 1}, "1" * 50):
        check = check_ranges(SPACE, {"lr": {"low": bad, "high": "0.1", "log": False}})
        assert check.problems == {"lr": {"low": "not a number"}}, bad


def test_check_ranges_ignores_parameters_the_run_does_not_have():
    check = check_ranges(SPACE, {"injected": {"low": 1, "high": 2, "log": False}})
    assert check.problems == {} and check.changed == [] and "injected" not in check.space
