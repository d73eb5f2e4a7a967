"""`FrameCache` brings a cached frame up to date from the changed trials only, and the result
is the frame a full `load_frame` of the same rows gives, array for array."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from optunagui.analysis import FrameCache, TrialFrame, load_frame
from optunagui.store import Database, set_current_space, upsert_trials

from .conftest import T0, StoreRun, make_spec

SPACE = {
    "lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
    "depth": {"type": "int", "low": 2, "high": 8},
    "kind": {"type": "categorical", "choices": ["a", "b"]},
    "seed": {"type": "fixed", "value": 7},
}
METRICS = [{"name": "score", "direction": "maximize"}, {"name": "cost", "direction": "minimize"}]


def assert_same_frame(merged: TrialFrame, full: TrialFrame) -> None:
    """Every array, name and range of two frames equal (NaN equal to NaN)."""
    for name in ("number", "state", "values", "started", "finished", "duration", "last_step",
                 "worker"):
        a, b = getattr(merged, name), getattr(full, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert merged.workers == full.workers
    assert (merged.metric_names, merged.directions) == (full.metric_names, full.directions)
    assert merged.fixed == full.fixed
    assert list(merged.params) == list(full.params)
    for name, column in full.params.items():
        other = merged.params[name]
        assert (other.kind, other.low, other.high, other.log) == (
            column.kind, column.low, column.high, column.log), name
        assert other.choices == column.choices and other.spec == column.spec, name
        np.testing.assert_array_equal(other.values, column.values, err_msg=name)
    assert list(merged.attrs) == list(full.attrs)


class LiveRun:
    """Writes a run the way the event sink does: trials start running, report steps, then
    finish with their values in one batch; a random mix of all that per refresh."""

    def __init__(self, db: Database, run_id: int, seed: int) -> None:
        self.db, self.run_id = db, run_id
        self.rng = random.Random(seed)
        self.next_number = 0
        self.running: list[int] = []
        self.extra_params = ["extra"]
        self.workers = ["w0"]
        self.rewrites = 0

    def _params(self) -> dict[str, Any]:
        r = self.rng
        params: dict[str, Any] = {"lr": round(r.uniform(0.0005, 0.2), 5),
                                  "depth": r.randint(1, 9)}
        if r.random() < 0.8:
            params["kind"] = r.choice(["a", "b", "c", f"new-{r.randint(0, 30)}"])
        if r.random() < 0.3:
            params[r.choice(self.extra_params)] = r.choice([1, 2.5, None, r.random()])
        if r.random() < 0.2:
            params["tag"] = r.choice(["x", "y", 3])  # outside the space, typed by its values
        if r.random() < 0.1:
            params["flag"] = r.choice([True, 0, 1.5])  # a bool makes it categorical
        if r.random() < 0.05:
            self.extra_params.append(f"extra{len(self.extra_params)}")
        return params

    def start(self, count: int) -> list[dict[str, Any]]:
        rows = []
        for _ in range(count):
            number = self.next_number
            self.next_number += 1
            self.running.append(number)
            if self.rng.random() < 0.1:
                self.workers.append(f"w{len(self.workers)}")
            rows.append({"number": number, "state": "running", "params": self._params(),
                         "started_at": T0 + timedelta(seconds=number),
                         "worker": self.rng.choice(self.workers + [None])})
        return rows

    def progress(self, number: int) -> dict[str, Any]:
        row: dict[str, Any] = {"number": number, "last_step": self.rng.randint(1, 9)}
        if self.rng.random() < 0.1:  # not what the sink does, but a running row may change
            row["params"] = self._params()
        if self.rng.random() < 0.3:
            row["user_attrs"] = {"device": self.rng.choice(["cpu", "cuda:0"])}
            row["worker"] = self.rng.choice(self.workers)
        return row

    def finish(self, number: int) -> dict[str, Any]:
        self.running.remove(number)
        r = self.rng
        state = r.choice(["complete", "complete", "pruned", "failed"])
        values = None
        if state == "complete":
            values = [r.random(), r.choice([r.random(), None])]
        elif state == "pruned" and r.random() < 0.5:
            values = [r.random()]
        return {"number": number, "state": state, "values": values,
                "finished_at": T0 + timedelta(seconds=number + r.random() * 10),
                "duration_s": r.random() * 10, "last_step": r.randint(1, 9),
                "user_attrs": {"metrics": {"f1": r.random()}} if values else None}

    def step(self) -> None:
        r = self.rng
        rows = self.start(r.randint(0, 6))
        for number in list(self.running):
            if r.random() < 0.4:
                rows.append(self.finish(number))
            elif r.random() < 0.5:
                rows.append(self.progress(number))
        finished = sorted(set(range(self.next_number)) - set(self.running))
        if finished and r.random() < 0.1:  # what the sink never does: a finished row rewritten
            self.rewrites += 1  # (to a text of a new length: the aggregate sees lengths)
            rows.append({"number": r.choice(finished), "user_attrs": {"late": "x" * self.rewrites}})
        r.shuffle(rows)
        _write(self.db, self.run_id, rows)
        if r.random() < 0.05:
            with self.db.session() as session:
                set_current_space(session, self.run_id, {"depth": {
                    "type": "int", "low": r.randint(0, 3), "high": 12}})


def _refreshed(db: Database, cache: FrameCache, run_id: int) -> tuple[TrialFrame, TrialFrame]:
    with db.session() as session:
        merged = cache.get(session, run_id)
        full = load_frame(session, run_id)
    return merged, full


@pytest.mark.parametrize("seed", range(4))
def test_refresh_equals_a_full_read_over_random_live_writes(
        db: Database, store_run: StoreRun, seed: int) -> None:
    run_id = store_run(make_spec(SPACE, METRICS), [])
    live = LiveRun(db, run_id, seed)
    cache = FrameCache()
    for _ in range(25):
        live.step()
        merged, full = _refreshed(db, cache, run_id)
        assert_same_frame(merged, full)
    assert cache.merges >= 15  # most refreshes merged, not read in full
    assert merged.n_trials == live.next_number


def _run_with_trials(store_run: StoreRun, db: Database, n: int = 30) -> tuple[int, LiveRun]:
    run_id = store_run(make_spec(SPACE, METRICS), [])
    live = LiveRun(db, run_id, 99)
    rows = live.start(n)
    rows += [live.finish(number) for number in range(n - 5)]
    with db.session() as session:
        upsert_trials(session, run_id, rows)
    return run_id, live


def _write(db: Database, run_id: int, rows: list[dict[str, Any]]) -> None:
    with db.session() as session:
        upsert_trials(session, run_id, rows)


def test_refresh_merges_new_and_running_trials_only(db: Database, store_run: StoreRun) -> None:
    run_id, live = _run_with_trials(store_run, db)
    cache = FrameCache()
    with db.session() as session:
        first = cache.get(session, run_id)
        assert cache.get(session, run_id) is first  # nothing changed: the same frame
    new_choice = {"number": live.next_number, "params": {"kind": "zz", "lr": 0.05, "brand": 4},
                  "worker": "late-worker"}
    _write(db, run_id, [new_choice, {"number": 26, "state": "complete", "values": [0.99, 1.0]},
                        {"number": 27, "last_step": 5, "worker": "w-moved"}])
    merged, full = _refreshed(db, cache, run_id)
    assert (cache.full_reads, cache.merges) == (1, 1)
    assert_same_frame(merged, full)
    assert merged.params["kind"].choices[-1] == "zz" and "brand" in merged.params
    assert merged.workers[-1] == "late-worker" and merged.best_index() == 26
    assert first.n_trials == 30 and merged.n_trials == 31  # the cached frame is left as it was


@pytest.mark.parametrize("change", ["finished rewritten", "filled in below", "live ranges",
                                    "a parameter turns categorical", "text in a number column",
                                    "a third objective"])
def test_refresh_reads_in_full_when_a_merge_would_differ(
        db: Database, store_run: StoreRun, change: str) -> None:
    run_id, live = _run_with_trials(store_run, db)
    _write(db, run_id, [{"number": 40, "state": "running", "params": {"count": 3}}])
    cache = FrameCache()
    with db.session() as session:
        cache.get(session, run_id)
    if change == "finished rewritten":  # a finished trial is not re-read, but its text grew
        _write(db, run_id, [{"number": 3, "user_attrs": {"note": "rewritten later"}}])
    elif change == "filled in below":
        _write(db, run_id, [{"number": 35, "state": "pruned", "params": {"lr": 0.01}}])
    elif change == "live ranges":
        with db.session() as session:
            set_current_space(session, run_id, {"lr": {"type": "float", "low": 1e-5,
                                                       "high": 1.0}})
    elif change == "a parameter turns categorical":
        _write(db, run_id, [{"number": 40, "params": {"count": "many"}}])
    elif change == "text in a number column":
        _write(db, run_id, [{"number": 41, "params": {"depth": "deep"}}])
    else:  # the number of objectives is read from the first 1,000 trials
        _write(db, run_id, [{"number": 41, "state": "complete", "values": [0.1, 0.2, 0.3]}])
    merged, full = _refreshed(db, cache, run_id)
    assert (cache.full_reads, cache.merges) == (2, 0)
    assert_same_frame(merged, full)


def test_refresh_of_unknown_or_empty_runs(db: Database, store_run: StoreRun) -> None:
    run_id = store_run(make_spec(SPACE, METRICS), [])
    cache = FrameCache()
    with db.session() as session:
        assert cache.get(session, run_id).n_trials == 0
        with pytest.raises(LookupError, match="run 999999"):
            cache.get(session, 999_999)
    _write(db, run_id, [{"number": 0, "params": {"lr": 0.01}}])
    merged, full = _refreshed(db, cache, run_id)
    assert_same_frame(merged, full)
    assert merged.n_trials == 1 and cache.full_reads == 2


def test_refresh_renumbers_choices_and_workers_a_running_trial_gave_up(
        db: Database, store_run: StoreRun) -> None:
    rows = [{"number": 0, "state": "complete", "values": [0.5, 1.0], "params": {"kind": "b"},
             "worker": "w-old"},
            {"number": 1, "state": "running", "params": {"kind": "q"}, "worker": "w-first"},
            {"number": 2, "state": "complete", "values": [0.7, 2.0], "params": {"kind": "r"},
             "worker": "w-second"}]
    run_id = store_run(make_spec(SPACE, METRICS), rows)
    cache = FrameCache()
    with db.session() as session:
        before = cache.get(session, run_id)
    assert before.params["kind"].choices == ("a", "b", "q", "r")
    assert before.workers == ("w-old", "w-first", "w-second")
    _write(db, run_id, [{"number": 1, "params": {"kind": "s"}, "worker": "w-second"}])
    merged, full = _refreshed(db, cache, run_id)
    assert cache.merges == 1
    assert_same_frame(merged, full)
    assert merged.params["kind"].choices == ("a", "b", "s", "r")
    assert merged.params["kind"].values.tolist() == [1, 2, 3]
    assert merged.workers == ("w-old", "w-second") and merged.worker.tolist() == [0, 1, 1]
