"""Helpers for the driver tests: a spec, a run row, and trivial objectives."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from optunagui.objective import TrialResult
from optunagui.spec import ExperimentSpec
from optunagui.store import Database, create_experiment, create_run, create_user


def make_spec(**overrides: Any) -> ExperimentSpec:
    raw: dict[str, Any] = {
        "name": "driver test",
        "dataset": {"builtin": "iris"},
        "task": "classification",
        "model": "logistic_regression",
        "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
        "metrics": [{"name": "accuracy", "direction": "maximize"}],
        "split": {"method": "stratified_kfold", "folds": 2},
        "budget": {"n_trials": 4, "max_concurrent": 2},
        "resources": {"cpu": 1, "gpu": 0},
    }
    raw.update(overrides)
    return ExperimentSpec.model_validate(raw)


def make_run(db: Database, spec: ExperimentSpec, name: str = "run") -> tuple[int, str]:
    with db.session() as session:
        user = create_user(session, f"u-{time.monotonic_ns()}", "x")
        experiment = create_experiment(session, "driver tests", created_by=user.id)
        run = create_run(session, experiment.id, name, spec, created_by=user.id)
        return run.id, run.study_name


def steps_objective(n_steps: int = 5, sleep_s: float = 0.0, fail_when: Any = None):
    """An objective whose score after step k is C-dependent and grows with k."""

    def evaluate(spec: ExperimentSpec, params: Mapping[str, Any], data: Any,
                 reporter: Any = None, device: str = "cpu") -> TrialResult:
        if fail_when is not None and fail_when(params):
            raise ValueError(f"objective refused params {dict(params)}")
        score = 0.0
        base = float(params.get("C", params.get("x", 1.0)))
        for step in range(1, n_steps + 1):
            if sleep_s:
                time.sleep(sleep_s)
            score = min(1.0, base / 10.0) * step / n_steps
            if reporter is not None:
                reporter.report(step, {spec.metrics[0].name: score})
        values = [score] + [1.0 - score for _ in spec.metrics[1:]]
        metrics = {m.name: v for m, v in zip(spec.metrics, values, strict=True)}
        return TrialResult(values=values, metrics=metrics, fold_scores={}, fit_time_s=0.0,
                           n_steps=n_steps)

    return evaluate
