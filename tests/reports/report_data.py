"""Runs written into the store the way the driver writes them, for the report tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np

from optunagui import store
from optunagui.store import Database
from optunagui.store.notes import add_note
from tests.factories import add_run

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
SPEC = {
    "name": "report",
    "dataset": {"builtin": "iris"},
    "model": "random_forest",
    "space": {
        "n_estimators": {"type": "int", "low": 5, "high": 40},
        "max_depth": {"type": "int", "low": 2, "high": 8},
        "min_samples_leaf": {"type": "int", "low": 1, "high": 10},
    },
    "metrics": [{"name": "accuracy", "direction": "maximize"}],
    "split": {"method": "stratified_kfold", "folds": 5, "seed": 3},
    "sampler": {"name": "random", "seed": 0},
    "pruner": {"name": "asha"},
    "budget": {"n_trials": 30, "max_concurrent": 2},
}
RANGES_APPLIED = {
    "kind": "control",
    "metrics": {"request_id": "r1", "kind": "ranges", "status": "applied",
                "payload": {"max_depth": {"type": "int", "low": 2, "high": 12}}},
}
NOTE_WITH_SCRIPT = "<script>alert('x')</script> Depth **matters**; see [docs](javascript:alert(1))"


def _trials(n_trials: int, shift: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Trial rows whose accuracy grows with max_depth, fold scores recorded, and their
    "result" events."""
    rng = np.random.default_rng(seed)
    rows, events = [], []
    for number in range(n_trials):
        depth = int(rng.integers(2, 9))
        params = {"n_estimators": int(rng.integers(5, 41)), "max_depth": depth,
                  "min_samples_leaf": int(rng.integers(1, 11))}
        value = 0.7 + 0.03 * depth + shift + float(rng.normal(0, 0.005))
        folds = [value + d for d in (-0.01, 0.004, 0.0, 0.006, 0.0)]
        state = "pruned" if number % 5 == 4 else "complete"
        start = T0 + timedelta(seconds=20 * number)
        rows.append({
            "number": number, "state": state, "values": [value], "params": params,
            "started_at": start, "finished_at": start + timedelta(seconds=12),
            "duration_s": 12.0, "last_step": 4 if state == "complete" else 1,
            "worker": f"node-{number % 2}",
            "user_attrs": {"fold_scores": {"accuracy": folds},
                           "metrics": {"accuracy": value, "fit_time_s": 0.05}}
            if state == "complete" else {},
        })
        steps = 5 if state == "complete" else 2
        events += [{"kind": "result", "trial_number": number, "step": s,
                    "metrics": {"accuracy": value - 0.02 * (4 - s)}} for s in range(steps)]
    return rows, events


def write_run(db: Database, experiment_id: int, user_id: int, name: str, *, shift: float = 0.0,
              n_trials: int = 30, seed: int = 0) -> int:
    """A finished run whose accuracy grows with max_depth; fold scores recorded."""
    rows, events = _trials(n_trials, shift, seed)
    with db.session() as session:
        run = add_run(session, experiment_id, SPEC, name, created_by=user_id, trials=rows,
                      events=events + [RANGES_APPLIED])
        run_id = run.id
        run.current_space = {**SPEC["space"],
                             "max_depth": {"type": "int", "low": 2, "high": 12}}
        run.started_at, run.finished_at = T0, T0 + timedelta(seconds=20 * n_trials)
        store.update_run_status(session, run_id, "running")
        store.update_run_status(session, run_id, "completed")
        store.refresh_run_best(session, run_id)
        add_note(session, experiment_id, NOTE_WITH_SCRIPT, author_id=user_id, run_id=run_id)
    return run_id


def write_test_result(settings, run_id: int, accuracy: float) -> None:
    folder = settings.runs_dir / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "best_model.json").write_text(json.dumps({
        "run_id": run_id, "trial_number": 0, "test_metric": "accuracy",
        "test_score": accuracy, "test_scores": {"accuracy": accuracy}, "n_test_rows": 30,
    }))
