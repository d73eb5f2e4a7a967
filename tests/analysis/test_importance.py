from __future__ import annotations

import numpy as np
import pytest

from optunagui.analysis import (
    ImportanceCache,
    ImportanceRecord,
    cache_for,
    compute_advice,
    compute_importance,
    draw_importance,
)

from .conftest import StoreRun, make_spec, rng, trial_rows

SPACE = {
    "noise_a": {"type": "float", "low": 0.0, "high": 1.0},
    "key": {"type": "float", "low": 0.0, "high": 1.0},
    "noise_b": {"type": "int", "low": 1, "high": 10},
    "noise_c": {"type": "categorical", "choices": ["x", "y", "z"]},
}


def _planted(store_run: StoreRun, load, n: int = 300):
    r = rng(3)
    key = r.random(n)
    params = {"noise_a": r.random(n).tolist(), "key": key.tolist(),
              "noise_b": r.integers(1, 11, n).tolist(),
              "noise_c": r.choice(["x", "y", "z"], n).tolist()}
    loss = (key - 0.3) ** 2 + 0.002 * r.standard_normal(n)
    rows = trial_rows(params, loss.tolist())
    spec = make_spec(SPACE, [{"name": "loss", "direction": "minimize"},
                             {"name": "size", "direction": "minimize"}])
    for row, a in zip(rows, params["noise_a"], strict=True):
        row["values"] = [row["values"][0], a]  # the second objective is noise_a itself
    return load(store_run(spec, rows))


@pytest.mark.parametrize("method", ["fanova", "ped_anova"])
def test_importance_ranks_the_planted_parameter_first(store_run: StoreRun, load,
                                                      method: str) -> None:
    frame = _planted(store_run, load)
    record = compute_importance(frame, method=method)
    assert record.ranking()[0] == "key"
    assert record.importances["key"] > 0.5
    assert set(record.importances) == set(SPACE)
    assert sum(record.importances.values()) == pytest.approx(1.0, abs=1e-6)
    assert record.objective == "loss" and record.n_used == record.n_complete == 300
    assert record.note.endswith("on all 300 complete trials")
    fig = draw_importance(record)
    assert list(fig.data[0].y)[-1] == "key" and "all 300" in fig.layout.title.text


def test_importance_per_objective_and_on_a_subsample(store_run: StoreRun, load) -> None:
    frame = _planted(store_run, load)
    second = compute_importance(frame, objective="size", method="fanova", max_trials=120)
    assert second.objective == "size" and second.ranking()[0] == "noise_a"
    assert (second.n_used, second.n_complete) == (120, 300)
    assert second.note == ("fANOVA on 120 of 300 complete trials (best 10% + random sample)")
    with pytest.raises(ValueError, match="unknown importance method 'shap'"):
        compute_importance(frame, method="shap")


def test_importance_cache_policy_disk_and_background(store_run: StoreRun, load,
                                                     tmp_path) -> None:
    frame = _planted(store_run, load, 60)
    cache = cache_for(tmp_path, refresh_min=20)
    assert cache.request(1, frame, method="ped_anova") is None  # computing in the background
    future = cache.pending(1, "ped_anova", "loss")
    assert future is not None
    record = future.result(timeout=60)
    assert record.run_id == 1 and record.n_complete == 60
    assert cache.request(1, frame, method="ped_anova") is record  # fresh: no new work
    assert cache.pending(1, "ped_anova", "loss") is None
    cache.close()
    files = list((tmp_path / "analysis" / "importance").glob("*.json"))
    assert [f.name for f in files] == ["run1_ped_anova_loss.json"]
    again = ImportanceCache(tmp_path / "analysis" / "importance")
    stored = again.latest(1, "ped_anova", "loss")
    assert isinstance(stored, ImportanceRecord) and stored.importances == record.importances
    assert not again.needs_refresh(stored, 79)  # grown by 19: under 20 trials
    assert again.needs_refresh(stored, 80) and again.needs_refresh(stored, 59)
    big = ImportanceRecord(2, "fanova", "loss", {}, 1000, 10_000, 0.0, 0.0)
    assert not again.needs_refresh(big, 10_999) and again.needs_refresh(big, 11_000)
    assert again.needs_refresh(None, 2) and not again.needs_refresh(None, 1)
    with pytest.raises(ValueError, match="run_id"):
        again.put(compute_importance(frame, method="ped_anova"))


def test_advice_fixes_negligible_widens_edges_and_narrows(store_run: StoreRun, load) -> None:
    r = rng(5)
    n = 200
    edge = 1 + 9 * r.random(n)      # the best sits at the top of the range: widen
    mid = r.random(n)                 # good only in [0.4, 0.6]: narrow
    flat = r.random(n)                # does not matter: fix
    kind = r.choice(["a", "b", "c"], n)
    score = edge / 100 + np.where((mid > 0.4) & (mid < 0.6), 10.0, 0.0) + 1.0 * (kind != "c")
    space = {"edge": {"type": "float", "low": 1.0, "high": 10.0},
             "mid": {"type": "float", "low": 0.0, "high": 1.0},
             "flat": {"type": "float", "low": 0.0, "high": 1.0},
             "kind": {"type": "categorical", "choices": ["a", "b", "c"]}}
    run_id = store_run(make_spec(space), trial_rows(
        {"edge": edge.tolist(), "mid": mid.tolist(), "flat": flat.tolist(),
         "kind": kind.tolist()}, score.tolist()))
    frame = load(run_id)
    importance = ImportanceRecord(run_id, "fanova", "score",
                                  {"mid": 0.6, "edge": 0.3, "kind": 0.09, "flat": 0.01},
                                  n, n, 0.0, 0.0)
    advice = {a.param: a for a in compute_advice(frame, importance)}
    assert advice["flat"].kind == "fix"
    assert advice["flat"].proposed == {"type": "fixed",
                                       "value": frame.best_params()["flat"]}
    assert advice["edge"].kind == "widen" and advice["edge"].proposed["high"] == 14.5
    assert advice["edge"].proposed["low"] == 1.0
    assert advice["mid"].kind == "narrow"
    low, high = advice["mid"].proposed["low"], advice["mid"].proposed["high"]
    assert 0.38 <= low <= 0.41 and 0.59 <= high <= 0.62
    assert advice["kind"].kind == "narrow" and advice["kind"].proposed["choices"] == ["a", "b"]
    assert compute_advice(load(store_run(make_spec(space), trial_rows(
        {"edge": edge[:10].tolist()}, score[:10].tolist())))) == []
