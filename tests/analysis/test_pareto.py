from __future__ import annotations

import numpy as np
import pytest

from optunagui.analysis import compute_pareto, pareto_mask, pick_tradeoff, plot_pareto

from .conftest import StoreRun, make_spec, rng

SPACE = {"depth": {"type": "int", "low": 1, "high": 10}}
METRICS = [{"name": "accuracy", "direction": "maximize"},
           {"name": "fit_time_s", "direction": "minimize"}]


def _brute(scores: np.ndarray) -> np.ndarray:
    return np.array([not any(np.all(o >= s) and np.any(o > s) for o in scores)
                     for s in scores])


@pytest.mark.parametrize("m", [2, 3])
def test_pareto_mask_matches_brute_force(m: int) -> None:
    scores = np.round(rng(m).random((300, m)), 2)  # rounded: ties and duplicates
    np.testing.assert_array_equal(pareto_mask(scores), _brute(scores))
    assert pareto_mask(np.zeros((0, m))).size == 0


def _run(store_run: StoreRun, load):
    # (accuracy, fit time): the front is trials 0, 1, 2; 3 and 4 are dominated; 5 failed
    values = [[0.90, 0.100], [0.85, 0.040], [0.70, 0.010], [0.80, 0.050], [0.60, 0.200]]
    rows = [{"number": i, "state": "complete", "values": v, "params": {"depth": i + 1},
             "user_attrs": {"metrics": {"size_mb": 10.0 * (i + 1)}}}
            for i, v in enumerate(values)]
    rows.append({"number": 5, "state": "failed", "params": {"depth": 9}})
    return load(store_run(make_spec(SPACE, METRICS), rows))


def test_pareto_front_from_the_store(store_run: StoreRun, load) -> None:
    record = compute_pareto(_run(store_run, load))
    assert record.front_numbers.tolist() == [2, 1, 0]  # sorted by the first metric
    np.testing.assert_allclose(record.front_values[:, 1], [0.010, 0.040, 0.100])
    assert sorted(record.other_values[:, 0].tolist()) == [0.6, 0.8]
    assert record.n_complete == 5
    fig = plot_pareto(_run(store_run, load))
    assert fig.layout.xaxis.title.text == "accuracy (maximize)"
    assert "Pareto front: 3 of 5 trials" in fig.layout.title.text


def test_tradeoff_picking(store_run: StoreRun, load) -> None:
    frame = _run(store_run, load)
    pick = pick_tradeoff(frame, "accuracy", {"fit_time_s": ("<=", 0.05)})
    assert (pick.number, pick.value, pick.n_feasible) == (1, 0.85, 3)
    assert pick.params == {"depth": 2} and pick.values["fit_time_s"] == 0.04
    assert pick.message == ("Trial 1: the best accuracy (0.85) among 3 trials with "
                            "fit_time_s <= 0.05.")
    fastest = pick_tradeoff(frame, "fit_time_s", {"accuracy": (">", 0.75),
                                                  "size_mb": ("<", 45)})
    assert fastest.number == 1  # trial 3 is faster but too big
    assert pick_tradeoff(frame, "accuracy", {"fit_time_s": ("<", 0.001)}).number is None
    with pytest.raises(ValueError, match="maximize or minimize 'size_mb'"):
        pick_tradeoff(frame, "size_mb", {})
    with pytest.raises(ValueError, match="unknown operator '=='"):
        pick_tradeoff(frame, "accuracy", {"fit_time_s": ("==", 1)})
    assert pick_tradeoff(frame, "size_mb", {}, direction="minimize").number == 0
