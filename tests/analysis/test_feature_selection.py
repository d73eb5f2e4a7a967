"""Feature-selection recommendations on planted structure: the noise columns come out
negligible, the copies redundant with a kept partner, the informative columns kept, each with
its interval over folds; "test dropping them" finds no loss for the noise and a loss for an
informative column; bad inputs are refused with a message naming what is wrong."""

from __future__ import annotations

import json
import math

import pytest

from optunagui.analysis import (
    FeatureSelectionError,
    TrialToCheck,
    ablate_features,
    check_drop,
    list_runs_to_check,
    load_run_to_check,
    recommend_features,
    recommend_for_experiment,
)
from optunagui.analysis.feature_redundancy import find_likeness
from tests.analysis.feature_data import (
    NOISE,
    PARAMS,
    planted_selection_frame,
    selection_spec,
    selection_trials,
    write_planted,
)
from tests.factories import add_experiment, add_run


@pytest.fixture(scope="module")
def planted_path(tmp_path_factory):
    return write_planted(tmp_path_factory.mktemp("selection"))


@pytest.fixture(scope="module")
def recommendations(planted_path):
    return recommend_features(selection_spec(planted_path), [TrialToCheck(1, PARAMS)],
                              run_id=7)


def test_recommend_features_flags_noise_and_copies_and_keeps_the_informative(recommendations):
    verdicts = {a.column: a.verdict for a in recommendations.columns}
    for column in NOISE:
        assert verdicts[column] == "negligible", recommendations.advice(column).reason
    # the category under other names, the exact and the near copy: one of each alike pair is
    # kept (the more important), the other is redundant
    assert sorted([verdicts["color"], verdicts["tint"]]) == ["keep", "redundant"]
    assert sorted([verdicts["x1"], verdicts["x1_copy"]]) == ["keep", "redundant"]
    assert sorted([verdicts["x2"], verdicts["x2_near"]]) == ["keep", "redundant"]
    assert set(recommendations.drop) == {*NOISE, *(
        c for c in ("x1", "x1_copy", "x2", "x2_near", "color", "tint")
        if verdicts[c] == "redundant")}
    assert recommendations.columns[0].drop and not recommendations.columns[-1].drop


def test_recommendations_carry_intervals_partners_and_effects(recommendations):
    assert recommendations.trials == (1,) and recommendations.n_folds == 3
    assert recommendations.metric == "accuracy" and 0.7 < recommendations.baseline <= 1.0
    assert recommendations.threshold == pytest.approx(0.01 * recommendations.baseline)
    renamed = next(recommendations.advice(c) for c in ("color", "tint")
                   if recommendations.advice(c).verdict == "redundant")
    assert renamed.partner == ({"color", "tint"} - {renamed.column}).pop()
    assert renamed.likeness == "duplicate" and renamed.rho is None  # not numeric
    assert f"a duplicate of {renamed.partner}, which is kept" in renamed.reason
    copy = recommendations.advice("x1_copy")
    kept = copy.partner or recommendations.advice("x1").partner
    assert kept in {"x1", "x1_copy"}
    noise = recommendations.advice("noise1")
    interval = noise.permutation[1]
    assert interval.n == 3 and interval.low <= interval.mean <= interval.high
    assert interval.min <= interval.mean <= interval.max
    assert noise.effect.mean == pytest.approx(-interval.mean)  # accuracy: dropping lowers it
    assert "dropping it changes accuracy by about" in noise.reason
    x2_best = max((recommendations.advice(c) for c in ("x2", "x2_near")),
                  key=lambda a: a.permutation[1].mean)
    assert x2_best.verdict == "keep" and x2_best.permutation[1].mean > 0.02
    assert not math.isnan(x2_best.shap[1].mean) and x2_best.shap[1].mean > 0
    text = json.dumps(recommendations.to_dict())
    assert '"drop"' in text and "Could drop" in recommendations.summary


def test_likeness_finds_copies_and_renamed_categories_only():
    alike = find_likeness(planted_selection_frame().drop(columns="y"))
    assert alike[("x1", "x1_copy")].kind == "duplicate"
    assert alike[("x2_near", "x2")].kind == "correlated" and alike[("x2", "x2_near")].rho > 0.95
    assert alike[("color", "tint")].kind == "duplicate"
    assert ("x1", "x2") not in alike and ("noise1", "noise2") not in alike
    assert ("color", "x1") not in alike


def test_ablation_of_noise_finds_no_loss_and_of_an_informative_column_a_loss(planted_path):
    spec, trial = selection_spec(planted_path), TrialToCheck(1, PARAMS)
    noise = ablate_features(spec, trial, list(NOISE), run_id=7)
    assert noise.advice == "drop", noise.verdict
    assert noise.verdict.startswith("Dropping noise1, noise2 changes accuracy by ")
    assert "no detectable loss — drop them" in noise.verdict
    assert noise.n_seeds == 2 and noise.folds_per_seed == 3
    assert len(noise.with_all) == len(noise.without) == 6
    informative = ablate_features(spec, trial, ["x2", "x2_near"])
    assert informative.advice == "keep", informative.verdict
    assert informative.comparison.diff < 0 and informative.comparison.significant
    assert "costs" in informative.verdict and informative.verdict.endswith("keep them.")
    json.dumps(informative.to_dict())


def test_check_drop_names_the_bad_column_and_refuses_all_or_none():
    columns = ["a", "b", "c"]
    assert check_drop(columns, ["b", "b", "a"]) == ["b", "a"]
    with pytest.raises(FeatureSelectionError, match=r"'zz' is not an input column.*a, b, c"):
        check_drop(columns, ["a", "zz"])
    with pytest.raises(FeatureSelectionError, match="no input column; keep at least one"):
        check_drop(columns, ["a", "b", "c"])
    with pytest.raises(FeatureSelectionError, match="name at least one"):
        check_drop(columns, [])


def test_ablation_refuses_an_unknown_column_and_bad_seeds(planted_path):
    spec, trial = selection_spec(planted_path), TrialToCheck(1, PARAMS)
    with pytest.raises(FeatureSelectionError, match="'nope' is not an input column"):
        ablate_features(spec, trial, ["nope"])
    with pytest.raises(FeatureSelectionError, match="n_seeds: give 2 to 10"):
        ablate_features(spec, trial, ["noise1"], n_seeds=1)


def test_recommend_refuses_no_trial_and_code_runs(planted_path):
    with pytest.raises(FeatureSelectionError, match="no complete trial"):
        recommend_features(selection_spec(planted_path), [])
    code = selection_spec(planted_path, model=None,
                          objective={"function": "train.py:objective"})
    code.pop("space")
    with pytest.raises(FeatureSelectionError, match="your own code"):
        recommend_features(code, [TrialToCheck(0, {})])
    with pytest.raises(FeatureSelectionError, match="dataset cannot be loaded"):
        recommend_features(selection_spec(planted_path.parent / "missing.csv"),
                           [TrialToCheck(0, PARAMS)])


def test_runs_to_check_from_the_store(db, planted_path):
    with db.session() as session:
        _user, experiment = add_experiment(session)
        built_in = add_run(session, experiment.id, selection_spec(planted_path),
                           trials=selection_trials()).id
        empty = add_run(session, experiment.id, selection_spec(planted_path), "empty").id
        code = selection_spec(planted_path, model=None, objective={"function": "t.py:f"})
        code_run = add_run(session, experiment.id, code, "mine", trials=selection_trials()).id
        attached = add_run(session, experiment.id,
                           {"name": "a", "attached": {"storage": "sqlite:///elsewhere.db",
                                                      "study": "s"}},
                           "attached", trials=selection_trials()).id
    with db.session() as session:
        found = load_run_to_check(session, built_in)
        assert [t.number for t in found.trials] == [1, 0]  # best first, the failed one left out
        with pytest.raises(FeatureSelectionError, match=f"Run {empty}: it has no complete"):
            load_run_to_check(session, empty)
        with pytest.raises(FeatureSelectionError, match="your own code or is an attached"):
            load_run_to_check(session, code_run)
        with pytest.raises(FeatureSelectionError, match="is an attached study"):
            load_run_to_check(session, attached)
        with pytest.raises(FeatureSelectionError, match="Run 999999 does not exist"):
            load_run_to_check(session, 999999)
        usable, left_out = list_runs_to_check(session, experiment.id)
    assert [r.run_id for r in usable] == [built_in]
    assert set(left_out) == {f"run {empty} (empty)", f"run {code_run} (mine)",
                             f"run {attached} (attached)"}


def test_experiment_advice_joins_runs_on_one_dataset(db, planted_path, tmp_path):
    other = write_planted(tmp_path, "other.csv")
    with db.session() as session:
        _user, experiment = add_experiment(session)
        for name in ("first", "second"):
            add_run(session, experiment.id, selection_spec(planted_path), name,
                    trials=[selection_trials()[1]])
        add_run(session, experiment.id, selection_spec(other), "elsewhere",
                trials=[selection_trials()[1]])
        runs, left_out = list_runs_to_check(session, experiment.id)
    advice = recommend_for_experiment(runs, experiment_id=experiment.id, left_out=left_out)
    assert len(advice.runs) == 2 and advice.dataset == str(planted_path)
    assert any("another dataset" in why for why in advice.left_out.values())
    assert set(NOISE) <= set(advice.drop)
    assert not {"x1", "x1_copy"} <= set(advice.drop)
    noise = next(c for c in advice.columns if c.column == "noise1")
    assert noise.flagged and sorted(noise.flagged_in) == sorted(advice.runs)
    assert "most of them could drop" in advice.summary
    json.dumps(advice.to_dict())


@pytest.fixture(scope="module")
def regression_path(tmp_path_factory):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                          "noise1": rng.normal(size=n), "noise2": rng.normal(size=n)})
    frame["y"] = 3 * frame["x1"] - 2 * frame["x2"] + 0.3 * rng.normal(size=n)
    path = tmp_path_factory.mktemp("regression") / "regression.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_metric_to_minimise_counts_a_loss_as_a_higher_error(regression_path):
    """RMSE without a written direction, a ridge model (SHAP's permutation explainer)."""
    spec = {"name": "r", "dataset": {"path": str(regression_path), "target": "y"},
            "task": "regression", "model": "ridge", "metrics": [{"name": "rmse"}],
            "split": {"folds": 3}}
    found = recommend_features(spec, [TrialToCheck(0, {"alpha": 1.0})])
    assert found.direction == "minimize" and found.explainer == "permutation"
    assert set(found.drop) == {"noise1", "noise2"}
    x1 = found.advice("x1")
    assert x1.verdict == "keep" and x1.effect.low > 0.5  # dropping it raises the RMSE
    assert x1.shap[0].mean > found.advice("noise1").shap[0].mean
    informative = ablate_features(spec, TrialToCheck(0, {"alpha": 1.0}), ["x2"])
    assert informative.direction == "minimize" and informative.comparison.diff > 0
    assert informative.advice == "keep" and "costs" in informative.verdict
    noise = ablate_features(spec, TrialToCheck(0, {"alpha": 1.0}), ["noise1", "noise2"])
    assert noise.advice == "drop"


def test_the_next_trials_are_left_out_past_the_time_budget(planted_path, monkeypatch):
    from optunagui.analysis import feature_selection

    monkeypatch.setattr(feature_selection, "TIME_BUDGET_S", 0.0)
    found = recommend_features(selection_spec(planted_path),
                               [TrialToCheck(1, PARAMS), TrialToCheck(0, PARAMS)])
    assert found.trials == (1,)
    assert found.notes == ("Trial 0 was left out to stay within 0 s.",)
    assert "left out to stay within" in found.summary


def test_ablation_verdicts_in_words_for_both_directions():
    from optunagui.analysis.compare import compare_folds
    from optunagui.analysis.feature_ablation import _verdict

    def verdict(with_all, without, direction):
        return _verdict(["s6"], compare_folds(with_all, without, metric="m",
                                              direction=direction))

    lower = ([55.0, 56.0, 57.0, 55.5], [54.7, 55.6, 56.8, 55.1])
    assert verdict(*lower, "minimize")[0] == "drop"
    assert verdict(*lower, "minimize")[1].startswith("Dropping s6 improves m by 0.325 (95% CI")
    advice, text = verdict(*lower, "maximize")
    assert advice == "keep" and text.startswith("Dropping s6 costs 0.325 m (95% CI")
    assert text.endswith("4 paired folds): keep them.")
    advice, text = verdict([0.9, 0.8, 0.85], [0.91, 0.79, 0.85], "maximize")
    assert advice == "drop" and text.endswith("no detectable loss — drop them.")
    advice, text = verdict([0.9, 0.8], [0.9, 0.8], "maximize")
    assert advice == "undecided" and "Too few folds" in text
