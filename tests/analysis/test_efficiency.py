from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from optunagui.analysis import (
    compute_pruning,
    compute_workers,
    draw_workers,
    load_intermediate,
    load_pruning_values,
    plot_pruning,
    pruning_steps,
)
from optunagui.analysis.efficiency import PruningRecord, draw_pruning
from optunagui.store import Database

from .conftest import T0, StoreRun, make_spec, rng

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
STEPS = 10


def _pruned_run(store_run: StoreRun, predictive: bool, n: int = 120,
               reliable_from: int = 1) -> int:
    """Trials whose final score is x; pruned ones stop at step 2 or 5 (ASHA-like rungs)."""
    r = rng(7)
    x = r.random(n)
    rows, events = [], []
    for i in range(n):
        pruned = i % 3 == 0
        last = (2 if i % 2 else 5) if pruned else STEPS
        rows.append({"number": i, "state": "pruned" if pruned else "complete",
                     "values": [float(x[i])], "params": {"x": float(x[i])}, "last_step": last})
        noise = r.random()
        for step in range(1, last + 1):
            tells = predictive and step >= reliable_from
            early = x[i] * step / STEPS if tells else noise * step / STEPS
            events.append({"kind": "result", "trial_number": i, "step": step,
                           "metrics": {"score": float(early)}})
    return store_run(make_spec(SPACE), rows, events)


@pytest.mark.parametrize("predictive", [True, False])
def test_pruning_saving_and_judgement(db: Database, store_run: StoreRun, load,
                                      predictive: bool) -> None:
    run_id = _pruned_run(store_run, predictive)
    frame = load(run_id)
    assert sorted(pruning_steps(frame)) == [2, 5]
    with db.session() as session:
        inter = load_intermediate(session, run_id, frame, steps=pruning_steps(frame))
        full = load_intermediate(session, run_id, frame)
    record = compute_pruning(frame, inter)
    # 40 pruned (20 at step 2, 20 at step 5) of 120 trials of 10 steps
    assert (record.n_pruned, record.n_complete, record.full_steps) == (40, 80, 10)
    assert record.steps_saved == 20 * 8 + 20 * 5
    assert record.steps_run == 80 * 10 + 20 * 2 + 20 * 5
    assert record.saved_share == pytest.approx(260 / 1200)
    assert [c[0] for c in record.checks] == [2, 5] and all(c[2] == 80 for c in record.checks)
    rho = dict((c[0], c[1]) for c in record.checks)
    if predictive:
        assert rho[2] == pytest.approx(1.0) and "looks sound" in record.verdict
    else:
        assert abs(rho[2]) < 0.3 and "unreliable" in record.verdict
        assert "to fix: prune later than step" in record.verdict
    assert "saved 22% of the steps (40 trials stopped)" in record.verdict
    assert record.early.size == record.final.size == 80
    same = compute_pruning(frame, full)  # every step read: same answer
    assert same.checks == record.checks and same.steps_saved == record.steps_saved
    assert f"step {record.step}" in plot_pruning(frame, inter).layout.title.text
    with db.session() as session:
        sample = load_pruning_values(session, run_id, frame, max_trials=30)
    assert sample.n_steps == 5 and np.isfinite(sample.values).sum() == 2 * 30
    sampled = compute_pruning(frame, sample)
    assert sampled.steps_saved == record.steps_saved and sampled.n_pruned == 40
    assert [c[2] for c in sampled.checks] == [30, 30]
    if predictive:
        assert sampled.checks[0][1] == pytest.approx(1.0)


def test_pruning_without_pruned_trials(db: Database, store_run: StoreRun, load) -> None:
    rows = [{"number": i, "state": "complete", "values": [i], "params": {"x": i / 10},
             "last_step": 3} for i in range(6)]
    run_id = store_run(make_spec(SPACE), rows)
    frame = load(run_id)
    with db.session() as session:
        record = compute_pruning(frame, load_intermediate(session, run_id, frame))
    assert record.n_pruned == 0 and record.saved_share == 0.0
    assert record.verdict == "No trial was pruned: every trial ran all its steps."


def test_worker_idle_time(store_run: StoreRun, load) -> None:
    # w1: 0-10, 12-20 (idle 2); w2: 0-5, 15-20 (idle 10), with an overlapping trial 1-4
    plan = [("w1", 0, 10), ("w1", 12, 20), ("w2", 0, 5), ("w2", 1, 4), ("w2", 15, 20)]
    rows = [{"number": i, "state": "complete", "values": [1.0], "params": {"x": 0.5},
             "worker": w, "started_at": T0 + timedelta(seconds=a),
             "finished_at": T0 + timedelta(seconds=b)} for i, (w, a, b) in enumerate(plan)]
    rows.append({"number": 5, "state": "running", "params": {"x": 0.1}, "worker": "w3",
                 "started_at": T0})
    record = compute_workers(load(store_run(make_spec(SPACE), rows)))
    assert record.workers[:2] == ("w1", "w2")
    np.testing.assert_allclose(record.idle_s[:2], [2.0, 10.0], atol=1e-3)
    np.testing.assert_allclose(record.busy_s[:2], [18.0, 10.0], atol=1e-3)
    assert record.n_trials[:2].tolist() == [2, 3]
    assert record.idle_share == pytest.approx(12 / 40, abs=1e-4)
    assert record.verdict.startswith("Workers idle 30% of the time")
    fig = draw_workers(record)
    assert [t.name for t in fig.data] == ["busy", "idle"]
    none = compute_workers(load(store_run(make_spec(SPACE), rows[5:])))
    assert none.verdict == "No worker timing recorded."


def test_pruning_figure_without_a_pruning_step_shows_the_verdict_alone():
    record = PruningRecord(n_pruned=0, n_complete=3, full_steps=30, steps_run=30, steps_saved=0,
                           saved_share=0.0, checks=(), early=np.empty(0), final=np.empty(0),
                           step=None, verdict="Nothing was pruned.")
    fig = draw_pruning(record)
    assert len(fig.data) == 0
    assert "Nothing was pruned." in fig.layout.title.text
    assert "None" not in fig.layout.title.text


def test_pruning_that_judges_too_early_proposes_the_grace_period_that_works(
        db: Database, store_run: StoreRun, load) -> None:
    run_id = _pruned_run(store_run, predictive=True, reliable_from=7)
    frame = load(run_id)
    with db.session() as session:
        full = load_intermediate(session, run_id, frame)
    verdict = compute_pruning(frame, full).verdict
    assert "unreliable" in verdict and "to fix: set pruner.grace_period to 7" in verdict


def test_pruning_that_leaves_too_few_finished_trials_says_so(db: Database, store_run: StoreRun,
                                                             load) -> None:
    run_id = _pruned_run(store_run, predictive=True, n=24)
    frame = load(run_id)
    with db.session() as session:
        full = load_intermediate(session, run_id, frame)
    verdict = compute_pruning(frame, full).verdict
    assert "Only 16 trials finished (importance and advice want 20)" in verdict
