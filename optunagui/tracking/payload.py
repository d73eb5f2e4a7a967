"""What a tracker is told, computed from the product's events and trials without a tracker.

`trial_logs` turns a batch of events into one record per trial (the steps' metrics, the
params, the final metrics, state and duration when it ended), skipping the events a trial
already logged; `improvements` finds where the best value got better; `flatten_spec` turns
the spec into flat params. The writers only send these records.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optunagui.store.events import EventRow
from optunagui.tracking.reads import TrialFacts

__all__ = ["MAX_PARAM_LENGTH", "TERMINAL_KINDS", "Improvement", "MetricPoint", "TrialLog",
           "flatten_spec", "improvements", "param_key", "param_value", "steps_before",
           "timestamp_ms", "trial_logs"]

MAX_PARAM_LENGTH = 6000
MAX_TAG_LENGTH = 5000
TERMINAL_KINDS = {"completed": "complete", "pruned": "pruned", "failed": "failed"}
_KEY_UNSAFE = re.compile(r"[^\w\-. /:]")


@dataclass(frozen=True, slots=True)
class MetricPoint:
    key: str
    value: float
    timestamp_ms: int
    step: int


@dataclass(slots=True)
class TrialLog:
    """One trial's news in one pass."""

    number: int
    start_ms: int | None = None
    metrics: list[MetricPoint] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    state: str | None = None  # complete | pruned | failed once it ended
    end_ms: int | None = None
    last_event_id: int = 0


@dataclass(frozen=True, slots=True)
class Improvement:
    trial_number: int
    value: float
    timestamp_ms: int
    params: dict[str, Any]


def timestamp_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def param_key(name: str) -> str:
    return _KEY_UNSAFE.sub("_", name)[:250]


def param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:MAX_PARAM_LENGTH]


def flatten_spec(value: Any, prefix: str = "") -> dict[str, str]:
    """The spec as flat params: nested keys joined with dots, list items by index."""
    items: Iterable[tuple[str, Any]]
    if isinstance(value, Mapping):
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list) and value:
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {param_key(prefix): param_value(value)} if prefix else {}
    flat: dict[str, str] = {}
    for key, item in items:
        if item is None:
            continue
        flat.update(flatten_spec(item, f"{prefix}.{key}" if prefix else key))
    return flat


def _numbers(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    return {str(k): float(v) for k, v in (metrics or {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


def _params(params: Mapping[str, Any] | None) -> dict[str, str]:
    return {param_key(str(k)): param_value(v) for k, v in (params or {}).items()}


def _end(log: TrialLog, event: EventRow, trial: TrialFacts | None,
         last_result: EventRow | None) -> None:
    log.state = TERMINAL_KINDS[event.kind]
    log.end_ms = timestamp_ms(event.created_at)
    step = event.step or 0
    if event.kind != "failed":
        # the final value at the last step, unless it is that step's own point again
        seen = {(m.key, m.step, m.value) for m in log.metrics}
        if last_result is not None:
            seen |= {(k, last_result.step or 0, v)
                     for k, v in _numbers(last_result.metrics).items()}
        log.metrics += [MetricPoint(k, v, log.end_ms, step)
                        for k, v in _numbers(event.metrics).items() if (k, step, v) not in seen]
    log.tags["optunagui.state"] = log.state
    if trial is not None:
        log.params.update(_params(trial.params))
        if trial.duration_s is not None:
            log.tags["optunagui.duration_s"] = f"{trial.duration_s:.3f}"
        if trial.error:
            log.tags["optunagui.error"] = trial.error.strip().splitlines()[-1][:MAX_TAG_LENGTH]
    pruned_by = (event.metrics or {}).get("pruned_by")
    if pruned_by:
        log.tags["optunagui.pruned_by"] = str(pruned_by)


def trial_logs(events: Sequence[EventRow], trials: Mapping[int, TrialFacts],
               logged_through: Mapping[int, int],
               last_results: Mapping[int, EventRow] | None = None) -> dict[int, TrialLog]:
    """One record per trial with news in `events` (oldest first); an event whose id is at or
    below the trial's `logged_through` was sent by an earlier pass and is left out.

    Args:
        last_results: the last step of trials that end in `events` but reported their steps
            in an earlier batch (their final value is not that step's point again).
    """
    logs: dict[int, TrialLog] = {}
    for event in events:
        number = event.trial_number
        if number is None or event.id <= logged_through.get(number, 0):
            continue
        log = logs.setdefault(number, TrialLog(number=number))
        log.last_event_id = event.id
        if event.kind == "started":
            log.start_ms = log.start_ms or timestamp_ms(event.created_at)
            log.params.update(_params((event.metrics or {}).get("params")))
        elif event.kind == "result":
            moment = timestamp_ms(event.created_at)
            log.metrics += [MetricPoint(k, v, moment, event.step or 0)
                            for k, v in _numbers(event.metrics).items()]
        elif event.kind in TERMINAL_KINDS and not (event.metrics or {}).get("retrying"):
            _end(log, event, trials.get(number), (last_results or {}).get(number))
    return logs


def steps_before(events: Sequence[EventRow]) -> set[int]:
    """The trials that end in `events` without any of their steps in them."""
    ended = {e.trial_number for e in events if e.kind in TERMINAL_KINDS}
    stepped = {e.trial_number for e in events if e.kind == "result"}
    return {n for n in ended - stepped if n is not None}


def improvements(events: Sequence[EventRow], trials: Mapping[int, TrialFacts],
                 best: float | None, maximize: bool) -> list[Improvement]:
    """Each completed trial in `events` that beat the best value so far, in order."""
    found: list[Improvement] = []
    for event in events:
        trial = trials.get(event.trial_number) if event.trial_number is not None else None
        if event.kind != "completed" or trial is None or not trial.values:
            continue
        value = trial.values[0]
        if value is None or not math.isfinite(value):
            continue
        if best is None or (value > best if maximize else value < best):
            best = value
            found.append(Improvement(trial.number, value, timestamp_ms(event.created_at),
                                     trial.params))
    return found
