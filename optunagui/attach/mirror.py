"""External trials as the product's trial rows and events.

A trial read for the first time gives a "started" event; each step reported since the last
poll a "result" event; a trial that finished since the last poll its "completed", "pruned"
or "failed" event. Rows carry what the dashboard reads (state, values, params, user attrs,
times). A waiting trial (enqueued, not yet started) gives nothing until it starts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optunagui.attach.trial import FINISHED_STATES, ExternalTrial

__all__ = ["Known", "MirrorBatch", "metric_names_of", "mirror_trials"]

_STATES = {"RUNNING": "running", "COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}
_KINDS = {"complete": "completed", "pruned": "pruned", "failed": "failed"}


@dataclass(frozen=True)
class Known:
    """What the product already holds of a trial."""

    state: str
    last_step: int | None


@dataclass
class MirrorBatch:
    rows: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    distributions: dict[str, str] = field(default_factory=dict)
    finished: int = 0
    latest_activity: datetime | None = None


def metric_names_of(directions: Sequence[str], names: Sequence[str] | None) -> list[str]:
    """The study's metric names (``study.metric_names``), or value / value_0, value_1, ..."""
    if names and len(names) == len(directions):
        return [str(name) for name in names]
    if len(directions) == 1:
        return ["value"]
    return [f"value_{i}" for i in range(len(directions))]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _fold_scores(user_attrs: Mapping[str, Any], metric: str) -> dict[str, Any]:
    scores = user_attrs.get("fold_scores")
    if isinstance(scores, list) and all(isinstance(s, int | float) for s in scores):
        return {metric: [float(s) for s in scores]}
    if isinstance(scores, Mapping):
        return {str(k): v for k, v in scores.items() if isinstance(v, list)}
    return {}


def _duration(trial: ExternalTrial) -> float | None:
    if trial.started_at is None or trial.finished_at is None:
        return None
    return (trial.finished_at - trial.started_at).total_seconds()


def _final(trial: ExternalTrial, state: str, names: Sequence[str], last_value: float | None
           ) -> tuple[dict[str, Any], list[float | None] | None, dict[str, Any]]:
    """(event metrics, row values, row user attrs) of a trial that finished."""
    user = {"user": dict(trial.user_attrs)} if trial.user_attrs else {}
    if state == "complete":
        values = [_finite(v) for v in (trial.values or [])]
        metrics = {name: values[i] if i < len(values) else None for i, name in enumerate(names)}
        attrs = {"metrics": metrics, "fold_scores": _fold_scores(trial.user_attrs, names[0]),
                 **user}
        return metrics, values, attrs
    if state == "pruned":
        value = _finite(trial.values[0]) if trial.values else last_value
        return ({names[0]: value, "pruned_by": "the study's pruner"},
                [value] if len(names) == 1 else None, user)
    message = trial.fail_reason or "the trial failed (no reason recorded by Optuna)"
    return {"message": message.strip().splitlines()[-1] if message.strip() else message,
            "traceback": message}, None, user


def mirror_trials(trials: Sequence[ExternalTrial], known: Mapping[int, Known],
                  names: Sequence[str]) -> MirrorBatch:
    batch = MirrorBatch()
    for trial in trials:
        state = _STATES.get(trial.state)
        if state is None:  # waiting: nothing to show until it starts
            continue
        before = known.get(trial.number)
        if before is not None and before.state != "running":
            continue  # finished already: Optuna never changes a finished trial
        row: dict[str, Any] = {"number": trial.number, "params": dict(trial.params),
                               "started_at": trial.started_at}
        batch.distributions.update(trial.distributions)
        if before is None:
            batch.events.append({"kind": "started", "trial_number": trial.number,
                                 "metrics": {"params": dict(trial.params)},
                                 "created_at": trial.started_at})
            row["state"] = "running"
        last_step = before.last_step if before is not None else None
        steps = sorted(s for s in trial.intermediate if last_step is None or s > last_step)
        for step in steps:
            batch.events.append({"kind": "result", "trial_number": trial.number, "step": step,
                                 "metrics": {names[0]: _finite(trial.intermediate[step])}})
        if steps:
            row["last_step"] = steps[-1]
        if trial.user_attrs:
            row["user_attrs"] = {"user": dict(trial.user_attrs)}
        for moment in (trial.started_at, trial.finished_at):
            if moment is not None and (batch.latest_activity is None
                                       or moment > batch.latest_activity):
                batch.latest_activity = moment
        if trial.state in FINISHED_STATES:
            last = max(trial.intermediate) if trial.intermediate else None
            metrics, values, attrs = _final(
                trial, state, names,
                _finite(trial.intermediate[last]) if last is not None else None)
            batch.events.append({"kind": _KINDS[state], "trial_number": trial.number,
                                 "step": last, "metrics": metrics,
                                 "created_at": trial.finished_at})
            row.update(state=state, values=values, finished_at=trial.finished_at,
                       duration_s=_duration(trial), user_attrs=attrs or None)
            if last is not None:
                row["last_step"] = last
            if state == "failed":
                row["error"] = trial.fail_reason or metrics["message"]
            batch.finished += 1
        batch.rows.append(row)
    return batch
