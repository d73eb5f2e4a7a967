"""GPU-aware placement on the session's local Ray, which declares 2 GPUs on this CPU machine.

Ray hands out the declared GPUs like real ones (ids "0" and "1"); the trainable records the
ids it was given and, with no CUDA here, trains on the CPU. The concurrency cap itself
(2 GPUs at 0.5 each: at most 4 trials at once) is what `plan_resources` computes from
`ray.cluster_resources()`; the session Ray's CPU count can make the CPU the tighter limit,
so the expected cap is computed from the same resources and then checked against what ran.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from cluster.driver.main import run_driver
from cluster.launch.resources import plan_resources
from optunagui import store
from optunagui.store import Database
from tests.cluster._runs import make_run, make_spec

pytestmark = pytest.mark.ray


def _gpu_spec(gpu: float, n_trials: int):
    return make_spec(
        dataset={"builtin": "breast_cancer"},
        model="xgboost",
        preset="fast",
        space={"n_estimators": {"type": "fixed", "value": 100}},
        sampler={"name": "random", "seed": 0},
        pruner={"name": "none"},
        budget={"n_trials": n_trials, "max_concurrent": 8},
        resources={"cpu": 1, "gpu": gpu},
    )


def _max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals open at one instant (an end at t comes before a start at t)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
                   key=lambda edge: (edge[0], edge[1]))
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def _finished_rows(db: Database, run_id: int):
    with db.session() as session:
        rows = store.list_trials(session, run_id)
    assert rows and all(r.started_at and r.finished_at for r in rows)
    return rows


def test_gpu_placement_half_gpu_trials_share_two_gpus(ray_local, tmp_settings, sqlite_db):
    spec = _gpu_spec(gpu=0.5, n_trials=8)
    cap = plan_resources(spec.resources, 8, ray_local.cluster_resources()).max_concurrent
    run_id, _ = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, poll_interval_s=0.5) == "completed"

    rows = _finished_rows(sqlite_db, run_id)
    assert cap == min(4, int(ray_local.cluster_resources()["CPU"]))
    assert {r.state for r in rows} == {"complete"} and len(rows) == 8
    for row in rows:
        assert len(row.gpu_ids) == 1 and row.gpu_ids[0] in {"0", "1"}, row
        assert row.user_attrs["device"] == "cpu"  # a GPU id, but no CUDA on this machine
    peak = _max_overlap([(r.started_at, r.finished_at) for r in rows])
    assert 2 <= peak <= cap <= 4
    for gpu in ("0", "1"):
        on_gpu = [(r.started_at, r.finished_at) for r in rows if r.gpu_ids == [gpu]]
        assert _max_overlap(on_gpu) <= 2  # two halves fill one GPU
    if peak > 2:  # more than two halves at once cannot fit on one GPU
        assert {r.gpu_ids[0] for r in rows} == {"0", "1"}


def test_gpu_placement_whole_gpu_trials_never_share(ray_local, tmp_settings, sqlite_db):
    spec = _gpu_spec(gpu=1, n_trials=6)  # 2 GPUs: two trials at once, one GPU each
    run_id, _ = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, poll_interval_s=0.5) == "completed"

    rows = _finished_rows(sqlite_db, run_id)
    assert all(len(r.gpu_ids) == 1 for r in rows)
    assert Counter(r.gpu_ids[0] for r in rows).keys() <= {"0", "1"}
    assert _max_overlap([(r.started_at, r.finished_at) for r in rows]) == 2
    for gpu in ("0", "1"):
        on_gpu = [(r.started_at, r.finished_at) for r in rows if r.gpu_ids == [gpu]]
        assert _max_overlap(on_gpu) <= 1


def test_gpu_placement_more_gpus_than_the_cluster_fails_the_run_clearly(
    ray_local, tmp_settings, sqlite_db
):
    spec = _gpu_spec(gpu=3, n_trials=2)
    run_id, _ = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings) == "failed"

    with sqlite_db.session() as session:
        run = store.get_run(session, run_id)
        rows = store.list_trials(session, run_id)
    assert run.status_reason == (
        "resources.gpu: 3 GPUs per trial requested but the cluster has only 2 GPUs in total; "
        "lower resources.gpu or add GPU nodes"
    )
    assert rows == []
