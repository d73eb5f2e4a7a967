from __future__ import annotations

import numpy as np
import optuna
import pytest

from optunagui.analysis import (
    compute_convergence,
    compute_exploration,
    draw_convergence,
    plot_exploration,
)

from .conftest import StoreRun, make_spec, optimise, study_rows_and_events

SPACE = {name: {"type": "float", "low": -5.0, "high": 5.0} for name in ("x", "y", "z")}


def _objective(trial: optuna.Trial) -> float:
    x, y = trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)
    return -((x - 1) ** 2 + (y + 2) ** 2) + 0.01 * trial.suggest_float("z", -5, 5)


@pytest.fixture(scope="module")
def studies() -> dict[str, optuna.Study]:
    return {
        "random": optimise(optuna.samplers.RandomSampler(seed=1), _objective, 150),
        "tpe": optimise(optuna.samplers.TPESampler(seed=1), _objective, 150),
    }


def _stored(store_run: StoreRun, load, study: optuna.Study):
    rows, events = study_rows_and_events(study)
    return load(store_run(make_spec(SPACE), rows, events))


def test_diagnosis_tells_random_search_from_tpe(store_run: StoreRun, load, studies) -> None:
    random = compute_convergence(_stored(store_run, load, studies["random"]))
    tpe = compute_convergence(_stored(store_run, load, studies["tpe"]))
    assert random.verdict.startswith("No better than random search")
    assert tpe.verdict.startswith("Working")
    assert abs(random.late_rank - 0.5) < 0.15 and tpe.late_rank > 0.8
    assert tpe.best[-1] >= tpe.random_mean[-1] and tpe.reached_at is not None
    assert random.random_low[-1] <= random.best[-1] <= random.random_high[-1]
    # the reference is a best-of-k curve: it only grows, inside its band
    assert np.all(np.diff(tpe.random_mean) >= -1e-9)
    assert np.all(tpe.random_low <= tpe.random_mean + 1e-9)
    assert np.all(tpe.random_mean <= tpe.random_high + 1e-9)
    assert tpe.k.tolist() == list(range(1, 151))
    expected = np.maximum.accumulate(studies["tpe"].trials_dataframe()["value"].to_numpy())
    np.testing.assert_allclose(tpe.best, expected)
    fig = draw_convergence(tpe)
    assert len(fig.data) == 3 and "Working" in fig.layout.title.text


def test_exploration_tells_random_search_from_tpe(store_run: StoreRun, load, studies) -> None:
    random = compute_exploration(_stored(store_run, load, studies["random"]))
    tpe = compute_exploration(_stored(store_run, load, studies["tpe"]))
    assert random.verdict.startswith("Exploring like random search")
    assert 0.8 < random.late_ratio < 1.25
    assert tpe.late_ratio < 0.5 and tpe.verdict.startswith("Exploiting")
    assert tpe.ratio.size == random.ratio.size > 100
    fig = plot_exploration(_stored(store_run, load, studies["tpe"]))
    assert fig.layout.title.text.count("Exploiting") == 1


def test_diagnosis_of_a_minimised_metric_and_of_too_few_trials(store_run: StoreRun,
                                                               load) -> None:
    study = optimise(optuna.samplers.TPESampler(seed=2),
                     lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, 60, direction="minimize")
    rows, _ = study_rows_and_events(study)
    spec = make_spec({"x": SPACE["x"]}, [{"name": "loss", "direction": "minimize"}])
    record = compute_convergence(load(store_run(spec, rows)))
    assert record.best[-1] == pytest.approx(study.best_value)
    assert np.all(np.diff(record.best) <= 0) and np.all(np.diff(record.random_mean) <= 1e-9)
    assert record.verdict.startswith("Working") and "best loss" in record.verdict
    short = compute_convergence(load(store_run(spec, rows[:4])))
    assert short.k.size == 0 and "need at least 5" in short.verdict
    assert "need at least 8" in compute_exploration(load(store_run(spec, rows[:7]))).verdict
