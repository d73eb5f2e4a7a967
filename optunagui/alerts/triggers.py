"""What a run's events teach the evaluator, and which rules they trigger (no database here).

A run's state is a small JSON object kept with its cursor: finished and failed trials, the best
value of every metric in both directions (with the trial, when, and after how many finished
trials), when the last event came and the status last seen. Each event updates it; each rule
then asks whether it fires, with a key naming the trigger (a trial, the run, a window) so a
trigger fires once.

Events older than a rule update the state (so "best so far" knows the whole run) but never
fire it: a rule speaks of what happens after it was made.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from optunagui.store._types import utcnow

__all__ = [
    "Firing",
    "RuleView",
    "RunView",
    "apply_event",
    "check_event",
    "check_status",
    "check_time",
    "new_state",
]

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@dataclass(frozen=True)
class Firing:
    rule_id: int
    key: str
    message: str
    run_id: int
    trial_number: int | None = None
    value: float | None = None

    @property
    def stored_key(self) -> str:
        """The trigger as stored, unique per rule: the run, then the trigger within it (a rule
        on an experiment watches each of its runs)."""
        return f"run:{self.run_id}:{self.key}"


@dataclass(frozen=True)
class RuleView:
    id: int
    name: str
    kind: str
    params: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class RunView:
    id: int
    name: str
    status: str
    spec: dict[str, Any]
    started_at: datetime | None
    finished_at: datetime | None

    def metric(self, rule: RuleView) -> str | None:
        name = rule.params.get("metric")
        if name:
            return str(name)
        metrics = self.spec.get("metrics") or []
        first = metrics[0] if metrics and isinstance(metrics[0], dict) else {}
        return first.get("name")

    def direction(self, rule: RuleView, metric: str) -> str:
        if rule.params.get("direction"):
            return str(rule.params["direction"])
        for entry in self.spec.get("metrics") or []:
            if isinstance(entry, dict) and entry.get("name") == metric and entry.get("direction"):
                return str(entry["direction"])
        return "maximize"


def new_state() -> dict[str, Any]:
    return {"n": 0, "failed": 0, "best": {}, "last_event_id": 0, "last_event_at": None,
            "status": None}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _numbers(metrics: dict[str, Any] | None) -> dict[str, float]:
    out = {}
    for name, value in (metrics or {}).items():
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
            out[name] = float(value)
    return out


def apply_event(state: dict[str, Any], event: Any) -> dict[tuple[str, str], float | None]:
    """Update ``state`` with one event (a `store.EventRow`).

    Returns:
        The (metric, direction) pairs this event set a new best for, with the previous best.
    """
    state["last_event_id"] = event.id
    state["last_event_at"] = _iso(event.created_at)
    improved: dict[tuple[str, str], float | None] = {}
    if event.kind == "failed" and not (event.metrics or {}).get("retrying"):
        state["n"] += 1
        state["failed"] += 1
    elif event.kind == "pruned":
        state["n"] += 1
    elif event.kind == "completed":
        state["n"] += 1
        for metric, value in _numbers(event.metrics).items():
            per_direction = state["best"].setdefault(metric, {})
            for direction, better in (("maximize", operator.gt), ("minimize", operator.lt)):
                best = per_direction.get(direction)
                if best is None or better(value, best["value"]):
                    improved[(metric, direction)] = None if best is None else best["value"]
                    per_direction[direction] = {"value": value, "trial": event.trial_number,
                                                "n": state["n"], "at": _iso(event.created_at)}
    return improved


def _best(state: dict[str, Any], metric: str, direction: str) -> dict[str, Any] | None:
    return (state["best"].get(metric) or {}).get(direction)


def _trial_text(run: RunView, trial: int | None) -> str:
    return f"trial {trial} of {run.name}" if trial is not None else run.name


def _threshold(rule: RuleView, run: RunView, state: dict[str, Any], event: Any
               ) -> Firing | None:
    metric, op, limit = rule.params["metric"], rule.params["op"], rule.params["value"]
    if rule.params.get("scope") == "best":
        best = _best(state, metric, run.direction(rule, metric))
        if best is None or not _OPS[op](best["value"], limit):
            return None
        return Firing(rule.id, "best", f"{rule.name}: best {metric} {best['value']:.6g} {op} "
                      f"{limit:g} ({_trial_text(run, best['trial'])})", run.id, best["trial"],
                      best["value"])
    value = _numbers(event.metrics).get(metric) if event.kind == "completed" else None
    if value is None or not _OPS[op](value, limit):
        return None
    return Firing(rule.id, f"trial:{event.trial_number}", f"{rule.name}: {metric} {value:.6g} "
                  f"{op} {limit:g} on {_trial_text(run, event.trial_number)}", run.id,
                  event.trial_number, value)


def _improves(rule: RuleView, run: RunView, improved: dict[tuple[str, str], float | None],
              event: Any) -> Firing | None:
    metric = run.metric(rule)
    if metric is None or (metric, run.direction(rule, metric)) not in improved:
        return None
    value = _numbers(event.metrics)[metric]
    return Firing(rule.id, f"trial:{event.trial_number}", f"{rule.name}: new best {metric} "
                  f"{value:.6g} on {_trial_text(run, event.trial_number)}", run.id,
                  event.trial_number, value)


def _stale_trials(rule: RuleView, run: RunView, state: dict[str, Any]) -> Firing | None:
    limit = rule.params.get("trials")
    metric = run.metric(rule)
    if limit is None or metric is None:
        return None
    best = _best(state, metric, run.direction(rule, metric))
    since = state["n"] - (best["n"] if best else 0)
    if since < limit:
        return None
    mark = best["trial"] if best else "none"
    return Firing(rule.id, f"trials:{mark}", f"{rule.name}: no new best {metric} in {since} "
                  f"trials of {run.name}", run.id, best["trial"] if best else None)


def _failed_share(rule: RuleView, run: RunView, state: dict[str, Any]) -> Firing | None:
    n, failed = state["n"], state["failed"]
    if n < rule.params["min_trials"] or failed / n <= rule.params["share"]:
        return None
    return Firing(rule.id, "failed_share", f"{rule.name}: {failed} of {n} trials of "
                  f"{run.name} failed ({failed / n:.0%})", run.id, value=failed / n)


def check_event(rule: RuleView, run: RunView, state: dict[str, Any], event: Any,
                improved: dict[tuple[str, str], float | None]) -> Firing | None:
    """Whether the event just applied to ``state`` fires the rule."""
    if event.created_at < rule.created_at:
        return None
    if rule.kind == "metric_threshold":
        return _threshold(rule, run, state, event)
    if rule.kind == "best_improves":
        return _improves(rule, run, improved, event)
    if rule.kind == "no_improvement":
        return _stale_trials(rule, run, state)
    if rule.kind == "failed_share":
        return _failed_share(rule, run, state)
    return None


def check_status(rule: RuleView, run: RunView) -> Firing | None:
    """Whether the run's (new) final status fires a ``run_status`` rule."""
    if rule.kind != "run_status" or run.status not in rule.params["statuses"]:
        return None
    if run.finished_at is not None and run.finished_at < rule.created_at:
        return None
    return Firing(rule.id, f"status:{run.status}", f"{rule.name}: {run.name} {run.status}",
                  run.id)


def check_time(rule: RuleView, run: RunView, state: dict[str, Any],
               now: datetime | None = None) -> Firing | None:
    """Whether time alone fires the rule on a running run (stalled, no new best in T min)."""
    if run.status != "running" or "minutes" not in rule.params:
        return None
    now = now or utcnow()
    minutes = float(rule.params["minutes"])
    if rule.kind == "stalled":
        since = _when(state["last_event_at"]) or run.started_at
        if since is None or (now - since).total_seconds() < minutes * 60:
            return None
        return Firing(rule.id, f"stalled:{state['last_event_id']}", f"{rule.name}: {run.name} "
                      f"has sent no event for {minutes:g} minutes", run.id)
    metric = run.metric(rule)
    if rule.kind != "no_improvement" or metric is None:
        return None
    best = _best(state, metric, run.direction(rule, metric))
    since = _when(best["at"]) if best else run.started_at
    if since is None or (now - since).total_seconds() < minutes * 60:
        return None
    mark = best["trial"] if best else "none"
    return Firing(rule.id, f"minutes:{mark}", f"{rule.name}: no new best {metric} in "
                  f"{minutes:g} minutes on {run.name}", run.id, best["trial"] if best else None)
