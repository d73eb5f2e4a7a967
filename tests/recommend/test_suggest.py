"""Suggestions from earlier runs with planted structure: where the best trials sit, a bound they
press against, a parameter that does not matter, categorical choices, several runs."""

from __future__ import annotations

import math

import pytest

from optunagui.recommend import PastRun, apply_suggestions, chosen_suggestions, suggest_from_history
from optunagui.recommend.mattering import never_mattered
from optunagui.recommend.past_runs import space_of_spec
from optunagui.recommend.ranges import rounded_value
from optunagui.spec.model import ExperimentSpec, ParamSpec
from tests.recommend.planted import SPACE, planted_run, trial_row


def no_importance(run: PastRun) -> None:
    return None


def by_name(suggestions):
    return {param.name: param for param in suggestions.params}


def peaked_learning_rate(params) -> float:
    return -(math.log(params["learning_rate"]) - math.log(0.065)) ** 2


def test_suggest_narrows_to_the_range_of_the_best_trials():
    run = planted_run(peaked_learning_rate, n=200)
    found = by_name(suggest_from_history("lightgbm", SPACE, [run], importance=no_importance))
    rate = found["learning_rate"]
    best = [t.params["learning_rate"] for t in run.best()]
    assert rate.change == "narrow"
    low, high = rate.suggested["low"], rate.suggested["high"]
    assert rate.suggested["log"] is True and rate.suggested["type"] == "float"
    assert low <= min(best) and high >= max(best)
    assert 0.01 < low < 0.065 < high < 0.3
    # The best fifth of a log-uniform sample around the peak: far narrower than 0.01 .. 0.3.
    assert math.log(high / low) < 0.5 * math.log(0.3 / 0.01)
    assert f"the best {len(best)} trials of run 1" in rate.reason


def test_suggest_widens_where_the_best_press_against_a_bound():
    space = dict(SPACE, num_leaves=ParamSpec(type="int", low=8, high=64, log=True))
    run = planted_run(lambda p: math.log(p["num_leaves"]), space=space, n=100)
    leaves = by_name(suggest_from_history("lightgbm", space, [run],
                                          importance=no_importance))["num_leaves"]
    assert leaves.change == "widen"
    assert isinstance(leaves.suggested["high"], int)
    # Half the searched range further on the log scale: 64 * sqrt(8) = 181, within the
    # "wide" preset's 512.
    assert leaves.suggested["high"] == math.ceil(64 * math.sqrt(8))
    assert leaves.suggested["low"] > 8
    assert "pressed against its upper bound 64: widened" in leaves.reason


def test_suggest_keeps_a_bound_the_model_allows_no_further():
    run = planted_run(lambda p: p["subsample"], n=100)
    subsample = by_name(suggest_from_history("lightgbm", SPACE, [run],
                                             importance=no_importance))["subsample"]
    assert subsample.suggested["high"] == 1.0
    assert subsample.suggested["low"] > 0.8
    assert "upper bound 1, as far as the model's presets and the draft go: kept" in subsample.reason


def test_suggest_fixes_a_parameter_that_never_mattered():
    space = dict(SPACE, num_leaves=ParamSpec(type="int", low=8, high=64, log=True))
    run = planted_run(lambda p: peaked_learning_rate(p) + math.log(p["num_leaves"]),
                      space=space, n=150)
    found = by_name(suggest_from_history("lightgbm", space, [run]))
    assert found["colsample_bytree"].change == "fix"
    value = found["colsample_bytree"].suggested["value"]
    assert found["colsample_bytree"].suggested["type"] == "fixed" and 0.5 <= value <= 1.0
    assert "never mattered" in found["colsample_bytree"].reason
    assert found["learning_rate"].change != "fix" and found["num_leaves"].change != "fix"


def test_suggest_narrows_choices_to_those_of_the_best_trials():
    space = {"boosting": ParamSpec(type="categorical", choices=["gbdt", "dart", "goss"]),
             "learning_rate": SPACE["learning_rate"]}
    run = planted_run(lambda p: (p["boosting"] != "goss") * 10 + peaked_learning_rate(p),
                      space=space, n=100)
    boosting = by_name(suggest_from_history("lightgbm", space, [run],
                                            importance=no_importance))["boosting"]
    assert boosting.change == "choices"
    assert boosting.suggested["choices"] == ["gbdt", "dart"]
    assert "dropped 'goss'" in boosting.reason


def test_suggest_keeps_a_choice_another_parameter_depends_on():
    space = {"boosting": ParamSpec(type="categorical", choices=["gbdt", "dart", "goss"]),
             "drop_rate": ParamSpec(type="float", low=0.05, high=0.5, when={"boosting": ["dart"]}),
             "learning_rate": SPACE["learning_rate"]}
    run = planted_run(lambda p: (p["boosting"] == "gbdt") * 10 + peaked_learning_rate(p),
                      space=space, n=100)
    found = by_name(suggest_from_history("lightgbm", space, [run], importance=no_importance))
    assert found["boosting"].suggested["choices"] == ["gbdt", "dart"]
    assert found["drop_rate"].change == "keep"


def test_suggest_reads_the_direction_of_each_run():
    run = planted_run(lambda p: -peaked_learning_rate(p), n=200, direction="minimize")
    rate = by_name(suggest_from_history("lightgbm", SPACE, [run],
                                        importance=no_importance))["learning_rate"]
    assert 0.01 < rate.suggested["low"] < 0.065 < rate.suggested["high"] < 0.3


def test_suggest_joins_several_runs_and_names_them():
    first = planted_run(peaked_learning_rate, run_id=3, n=100, seed=1)
    second = planted_run(peaked_learning_rate, run_id=7, n=60, seed=2)
    result = suggest_from_history("lightgbm", SPACE, [first, second], importance=no_importance)
    assert result.source == "from runs 3 and 7, 160 trials (same dataset)"
    rate = by_name(result)["learning_rate"]
    every_best = [t.params["learning_rate"] for run in (first, second) for t in run.best()]
    assert rate.suggested["low"] <= min(every_best) and rate.suggested["high"] >= max(every_best)
    assert "trials of runs 3, 7" in rate.reason


def test_suggest_needs_enough_finished_trials():
    run = planted_run(peaked_learning_rate, n=9)
    failed = [trial_row(100 + i, {"learning_rate": 0.1}, None, state="failed") for i in range(20)]
    short = PastRun(1, 1, "short", SPACE, "maximize", [*run.trials, *failed])
    result = suggest_from_history("lightgbm", SPACE, [short])
    assert result.runs == () and result.params == () and result.match is None
    assert result.source.startswith("no earlier run of lightgbm")


def test_suggest_keeps_a_step_grid_and_a_fixed_draft_value():
    space = {"n_estimators": ParamSpec(type="int", low=50, high=500, step=10),
             "max_depth": ParamSpec(type="fixed", value=6)}
    run = planted_run(lambda p: -abs(p["n_estimators"] - 200), space=space, n=100)
    found = by_name(suggest_from_history("lightgbm", space, [run], importance=no_importance))
    trees = found["n_estimators"].suggested
    assert (trees["low"] - 50) % 10 == 0 and (trees["high"] - 50) % 10 == 0
    assert 50 < trees["low"] < 200 < trees["high"] < 500
    assert found["max_depth"].change == "keep" and found["max_depth"].reason == "fixed in the draft"


@pytest.mark.parametrize(("value", "up", "expected"), [
    (0.123456, False, 0.1234), (0.123456, True, 0.1235), (47.0, False, 47.0),
])
def test_rounded_value_rounds_outwards_to_four_digits(value, up, expected):
    assert rounded_value(ParamSpec(type="float", low=0.0, high=100.0), value, up) == expected


def test_suggestions_are_taken_all_or_by_name():
    space = dict(SPACE, num_leaves=ParamSpec(type="int", low=8, high=64, log=True))
    run = planted_run(lambda p: peaked_learning_rate(p) + math.log(p["num_leaves"]),
                      space=space, n=120)
    result = suggest_from_history("lightgbm", space, [run], importance=no_importance)
    spec = ExperimentSpec(name="draft", dataset={"builtin": "iris"}, model="lightgbm",
                          space=space)
    taken = apply_suggestions(spec, result, ["learning_rate"])
    assert taken.space["learning_rate"].to_dict() == by_name(result)["learning_rate"].suggested
    assert taken.space["num_leaves"] == space["num_leaves"]
    raw = apply_suggestions({"name": "draft", "space": {}}, result)
    assert set(raw["space"]) == {p.name for p in result.changed()}
    with pytest.raises(ValueError, match="no suggested change for max_bin"):
        chosen_suggestions(result, ["max_bin"])


def test_a_range_changed_during_the_run_counts_as_searched():
    stored = {"space": {"x": {"type": "float", "low": 0.0, "high": 1.0}}}
    live = {"x": {"type": "float", "low": 0.0, "high": 2.0}}
    assert space_of_spec(stored, live)["x"].high == 2.0
    assert space_of_spec(stored, None)["x"].high == 1.0
    draft = {"x": ParamSpec(type="float", low=0.0, high=1.0)}
    widened = {"x": ParamSpec(type="float", low=0.0, high=2.0)}
    run = planted_run(lambda p: -abs(p["x"] - 1.7), space=widened, n=100)
    moved = PastRun(run.run_id, 1, "moved", space_of_spec(stored, live), "maximize", run.trials)
    x = by_name(suggest_from_history("lightgbm", draft, [moved], importance=no_importance))["x"]
    best = [t.params["x"] for t in moved.best()]
    assert x.change == "widen" and x.suggested["low"] <= min(best) < 1.7 < max(best)
    assert x.suggested["high"] >= max(best) and x.suggested["high"] < 2.0


def test_importance_is_measured_on_the_largest_runs_and_must_be_low_in_each():
    runs = [planted_run(peaked_learning_rate, run_id=i, n=20 + 10 * i, seed=i) for i in range(5)]
    asked: list[int] = []

    def shares(run: PastRun) -> dict[str, float]:
        asked.append(run.run_id)
        mattered_once = 0.05 if run.run_id == 3 else 0.0
        return {"learning_rate": 0.9, "subsample": 0.01, "colsample_bytree": mattered_once}

    assert never_mattered(runs, shares) == {"subsample": (0.01, [4, 3, 2])}
    assert asked == [4, 3, 2]
