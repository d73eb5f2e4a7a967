from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from optunagui.analysis import (
    FrameCache,
    LazyAttrs,
    load_final_metrics,
    load_frame,
    load_intermediate,
    pruning_steps,
)
from optunagui.store import Database, set_current_space, upsert_trials

from .conftest import T0, StoreRun, make_spec

SPACE = {
    "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
    "depth": {"type": "int", "low": 2, "high": 8},
    "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
    "seed": {"type": "fixed", "value": 7},
}


def _rows() -> list[dict]:
    return [
        {"number": 0, "state": "complete", "values": [0.5], "params": {"lr": 0.01, "depth": 3,
         "kind": "b"}, "started_at": T0, "finished_at": T0 + timedelta(seconds=2.5),
         "duration_s": 2.5, "last_step": 4, "worker": "w1",
         "user_attrs": {"fold_scores": {"score": [0.4, 0.6]}, "metrics": {"f1": 0.3}}},
        {"number": 1, "state": "pruned", "values": [0.2], "params": {"lr": 0.05, "depth": 8,
         "kind": "a"}, "started_at": T0 + timedelta(seconds=1), "last_step": 1,
         "worker": "w2"},
        {"number": 2, "state": "failed", "params": {"lr": 0.002, "depth": 2, "kind": "c"},
         "error": "boom"},
        {"number": 3, "state": "running", "params": {"lr": 0.2, "depth": 5}},
    ]


def test_load_frame_reads_columns_from_the_store(db: Database, store_run: StoreRun) -> None:
    run_id = store_run(make_spec(SPACE), _rows())
    with db.session() as session:
        frame = load_frame(session, run_id)
    assert frame.number.tolist() == [0, 1, 2, 3]
    assert [frame.state_mask(s).sum() for s in ("complete", "pruned", "failed", "running")] == [
        1, 1, 1, 1]
    assert frame.metric_names == ("score",) and frame.directions == ("maximize",)
    np.testing.assert_allclose(frame.values[:2, 0], [0.5, 0.2])
    assert np.isnan(frame.values[2:, 0]).all()
    lr = frame.params["lr"]
    assert lr.kind == "float" and lr.log and lr.low == 0.001
    assert lr.high == pytest.approx(0.2)  # widened to the value a range change let in
    assert frame.params["depth"].kind == "int"
    kind = frame.params["kind"]
    assert kind.choices == ("a", "b", "c") and kind.values[:3].tolist() == [1, 0, 2]
    assert np.isnan(kind.values[3])
    assert "seed" not in frame.params and frame.fixed == {"seed": 7}
    assert frame.started[0] == pytest.approx(T0.timestamp(), abs=1e-3)
    assert frame.finished[0] - frame.started[0] == pytest.approx(2.5, abs=1e-3)
    assert np.isnan(frame.finished[1]) and frame.duration[0] == 2.5
    assert frame.last_step[:2].tolist() == [4, 1]
    assert frame.workers == ("w1", "w2") and frame.worker.tolist() == [0, 1, -1, -1]
    assert isinstance(frame.attrs, LazyAttrs) and frame.attrs[0]["metrics"] == {"f1": 0.3}
    assert frame.attrs[1] is None and frame.attrs[-4] is frame.attrs[0]
    assert frame.best_params() == {"lr": 0.01, "depth": 3, "kind": "b", "seed": 7}
    assert frame.metric_column("f1")[0] == 0.3 and np.isnan(frame.metric_column("f1")[1])


def test_load_frame_uses_the_model_preset_and_live_ranges(db: Database,
                                                          store_run: StoreRun) -> None:
    spec = make_spec({"learning_rate": {"type": "float", "low": 0.02, "high": 0.2}},
                     model="lightgbm")
    spec["dataset"] = {"name": "iris"}
    rows = [{"number": i, "state": "complete", "values": [i / 10],
             "params": {"learning_rate": 0.05 + i / 100, "num_leaves": 8 + i}}
            for i in range(3)]
    run_id = store_run(spec, rows)
    with db.session() as session:
        set_current_space(session, run_id, {"num_leaves": {"type": "int", "low": 4,
                                                           "high": 64}})
    with db.session() as session:
        frame = load_frame(session, run_id)
    # only the parameters the trials sampled; preset ranges under the spec's and the live ones
    assert set(frame.params) == {"learning_rate", "num_leaves"}
    assert (frame.params["learning_rate"].low, frame.params["learning_rate"].high) == (0.02, 0.2)
    assert (frame.params["num_leaves"].low, frame.params["num_leaves"].high) == (4, 64)


def test_load_frame_of_an_empty_or_unknown_run(db: Database, store_run: StoreRun) -> None:
    run_id = store_run(make_spec(SPACE), [])
    with db.session() as session:
        frame = load_frame(session, run_id)
        assert frame.n_trials == 0 and frame.best_index() is None
        with pytest.raises(LookupError, match="run 999999"):
            load_frame(session, 999_999)


def test_frame_cache_reloads_only_when_trials_change(db: Database, store_run: StoreRun) -> None:
    run_id = store_run(make_spec(SPACE), _rows())
    cache = FrameCache()
    with db.session() as session:
        first = cache.get(session, run_id)
        assert cache.get(session, run_id) is first
    with db.session() as session:
        upsert_trials(session, run_id, [{"number": 3, "state": "complete", "values": [0.9]}])
    with db.session() as session:
        second = cache.get(session, run_id)
    assert second is not first and second.best_index() == 3


def test_intermediate_and_final_metrics_from_events(db: Database, store_run: StoreRun) -> None:
    events = [{"kind": "result", "trial_number": n, "step": s, "metrics": {"score": n + s / 10}}
              for n in range(2) for s in range(1, 5 - 3 * n)]
    events += [{"kind": "completed", "trial_number": 0, "metrics": {"score": 0.5, "f1": 0.25}},
               {"kind": "result", "trial_number": 1, "step": 1, "metrics": {"other": 1.0}}]
    run_id = store_run(make_spec(SPACE), _rows(), events)
    with db.session() as session:
        frame = load_frame(session, run_id)
        full = load_intermediate(session, run_id, frame)
        some = load_intermediate(session, run_id, frame, steps=[1])
        finals = load_final_metrics(session, run_id)
    assert full.n_steps == 4
    np.testing.assert_allclose(full.values[0], [0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(full.values[1, :1], [1.1])
    assert np.isnan(full.values[1, 1:]).all() and np.isnan(full.values[2:]).all()
    assert some.n_steps == 1 and some.values[0, 0] == pytest.approx(0.1)
    assert finals == {0: {"score": 0.5, "f1": 0.25}}
    assert pruning_steps(frame) == [1]
