"""Finished runs written straight into the store the way the driver writes them, for the
analysis and comparison pages' tests (no Ray needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from optunagui.store import Database, append_events, create_run, update_run_status, upsert_trials

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
SPACE = {
    "planted": {"type": "float", "low": 0.0, "high": 1.0},
    "noise_a": {"type": "float", "low": 0.0, "high": 1.0},
    "noise_b": {"type": "int", "low": 1, "high": 9},
}


def run_spec(model: str = "custom", metrics: Sequence[str] = ("accuracy",),
             n_trials: int = 40) -> dict[str, Any]:
    return {
        "name": "analysis",
        "dataset": {"name": "data"},
        "model": model,
        "space": dict(SPACE),
        "metrics": [{"name": m, "direction": "maximize" if i == 0 else "minimize"}
                    for i, m in enumerate(metrics)],
        "budget": {"n_trials": n_trials},
    }


def write_run(
    database: Database,
    experiment_id: int,
    name: str,
    created_by: int,
    *,
    n_trials: int = 40,
    seed: int = 0,
    shift: float = 0.0,
    model: str = "custom",
    metrics: Sequence[str] = ("accuracy",),
    folds: Sequence[float] | None = None,
) -> int:
    """A completed run whose score is driven by ``planted`` (the other parameters are noise).

    Args:
        shift: added to every score (a better or worse run).
        folds: per-fold offsets; when given, the best trial records ``user_attrs["fold_scores"]``
            as its value plus these offsets.
    """
    rng = np.random.default_rng(seed)
    planted = rng.uniform(0, 1, n_trials)
    noise_a = rng.uniform(0, 1, n_trials)
    noise_b = rng.integers(1, 10, n_trials)
    score = 0.5 + 0.4 * planted + 0.01 * rng.normal(size=n_trials) + shift
    best = int(np.argmax(score))
    rows, events = [], []
    for i in range(n_trials):
        started = T0 + timedelta(seconds=10 * i)
        values = [float(score[i])]
        if len(metrics) > 1:
            values.append(float(1.0 - score[i] + 0.05 * noise_a[i]))
        attrs: dict[str, Any] = {"metrics": {"fit_time_s": round(0.01 + 0.02 * noise_a[i], 4)}}
        if folds is not None and i == best:
            attrs["fold_scores"] = {metrics[0]: [float(score[i] + f) for f in folds]}
        rows.append({
            "number": i, "state": "complete", "values": values,
            "params": {"planted": float(planted[i]), "noise_a": float(noise_a[i]),
                       "noise_b": int(noise_b[i])},
            "user_attrs": attrs, "started_at": started,
            "finished_at": started + timedelta(seconds=8), "duration_s": 8.0,
            "last_step": 3, "worker": f"node-{i % 2}",
        })
        events += [{"kind": "result", "trial_number": i, "step": s,
                    "metrics": {metrics[0]: float(score[i] * s / 3)}} for s in (1, 2, 3)]
    with database.session() as session:
        run = create_run(session, experiment_id, name, run_spec(model, metrics, n_trials),
                         created_by=created_by)
        upsert_trials(session, run.id, rows)
        append_events(session, run.id, events)
        update_run_status(session, run.id, "running")
        update_run_status(session, run.id, "completed")
        return run.id
