"""One W&B pass: each finished trial a W&B run (``job_type="trial"``) in the run's group.

W&B has no nested runs; the product's run is the group. A trial is sent whole when it ends
(its params as config, every step's metrics at their step, the final metrics, state and
duration in the summary); when the run ends, one more run of the group
(``job_type="study"``) holds the spec, the best value as it improved (one point per
improvement, its step the number of trials completed by then), the best params and the link
back to the run page. Run ids are derived from the study, so a trial sent again after a
crash resumes its W&B run online instead of making a second one. Offline mode writes the
runs under ``WANDB_DIR`` (default: the run's folder).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from optunagui.store.db import Database
from optunagui.store.events import EventRow
from optunagui.store.trials import list_trials
from optunagui.tracking.payload import TERMINAL_KINDS, flatten_spec
from optunagui.tracking.progress import add_children, load_progress, save_progress
from optunagui.tracking.reads import (
    RunFacts,
    TrialFacts,
    load_result_events,
    load_trials,
    new_events,
)
from optunagui.tracking.targets import WandbTarget, run_url

__all__ = ["study_run_id", "sync_wandb", "trial_run_id"]

TRACKER = "wandb"


def _prefix(facts: RunFacts) -> str:
    return "og-" + hashlib.sha1(facts.study_name.encode()).hexdigest()[:12]


def trial_run_id(facts: RunFacts, number: int) -> str:
    return f"{_prefix(facts)}-{number}"


def study_run_id(facts: RunFacts) -> str:
    return f"{_prefix(facts)}-study"


def group_name(facts: RunFacts) -> str:
    return f"{facts.name} (run {facts.run_id})"


def _finished(events: Sequence[EventRow]) -> list[EventRow]:
    return [e for e in events if e.kind in TERMINAL_KINDS and e.trial_number is not None
            and not (e.metrics or {}).get("retrying")]


def sync_wandb(db: Database, facts: RunFacts, target: WandbTarget, *, limit: int,
               environ: Mapping[str, str] | None = None) -> tuple[int, bool]:
    """Send the trials that ended in the run's next events; (events read, more waiting)."""
    with db.session() as session:
        progress = load_progress(session, facts.run_id, TRACKER)
        events, last_id, more = new_events(session, facts.run_id, progress.cursor, limit)
        ended = _finished(events)
        numbers = {e.trial_number for e in ended if e.trial_number is not None}
        add_children(session, facts.run_id, progress, numbers)
        trials = load_trials(session, facts.run_id, numbers)
        steps = load_result_events(session, facts.run_id, numbers - progress.finished)
    if last_id == progress.cursor and (progress.closed or not facts.ended):
        return 0, False
    ok = False
    try:
        progress.container_id = group_name(facts)
        for event in ended:
            number = event.trial_number
            if number is None or number in progress.finished:
                continue
            child = trial_run_id(facts, number)
            _send_trial(target, facts, event, trials.get(number), steps.get(number, []), child,
                        environ)
            progress.children[number] = child
            progress.mark_sent(number, event.id, True)
        progress.cursor = last_id
        if facts.ended and not more and not progress.closed:
            _send_study(db, target, facts, progress, environ)
            progress.closed = True
        ok = True
    finally:
        save_progress(db, facts.run_id, progress, ok=ok, target=target.describe())
    return len(events), more


def _init(target: WandbTarget, run_id: str, name: str, group: str, job_type: str,
          config: Mapping[str, Any], notes: str, tags: Sequence[str]) -> Any:
    import wandb

    settings = wandb.Settings(silent=True, console="off", x_disable_stats=True,
                              x_disable_meta=True, init_timeout=30)
    extra: dict[str, Any] = {"resume": "allow"} if target.mode == "online" else {}
    mode: Any = target.mode
    return wandb.init(project=target.project, entity=target.entity, mode=mode,
                      dir=target.directory, id=run_id, name=name, group=group,
                      job_type=job_type, config=dict(config), notes=notes, tags=list(tags),
                      reinit="create_new", settings=settings, **extra)


def _numbers(metrics: Mapping[str, Any] | None) -> dict[str, float]:
    return {str(k): float(v) for k, v in (metrics or {}).items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


def _send_trial(target: WandbTarget, facts: RunFacts, event: EventRow,
                trial: TrialFacts | None, steps: Sequence[EventRow], run_id: str,
                environ: Mapping[str, str] | None) -> None:
    state = TERMINAL_KINDS[event.kind]
    params = trial.params if trial is not None else {}
    config = {**params, "optunagui.run_id": facts.run_id,
              "optunagui.trial_number": event.trial_number}
    run = _init(target, run_id, f"trial-{event.trial_number}", group_name(facts), "trial",
                config, run_url(facts.run_id, environ), [state])
    try:
        last_step = -1
        for step_event in steps:
            step = step_event.step or 0
            metrics = _numbers(step_event.metrics)
            if step > last_step and metrics:
                run.log(metrics, step=step)
                last_step = step
        summary: dict[str, Any] = {"state": state}
        if event.kind != "failed":
            summary.update(_numbers(event.metrics))
        if trial is not None and trial.duration_s is not None:
            summary["duration_s"] = trial.duration_s
        if trial is not None and trial.error:
            summary["error"] = trial.error.strip().splitlines()[-1]
        run.summary.update(summary)
    finally:
        run.finish(exit_code=1 if state == "failed" else 0)


def _send_study(db: Database, target: WandbTarget, facts: RunFacts, progress: Any,
                environ: Mapping[str, str] | None) -> None:
    with db.session() as session:
        complete = list_trials(session, facts.run_id, states=["complete"])
    complete.sort(key=lambda t: (t.finished_at is None, t.finished_at, t.number))
    url = run_url(facts.run_id, environ)
    run = _init(target, study_run_id(facts), facts.name, group_name(facts), "study",
                {**flatten_spec(facts.spec), "optunagui.run_url": url}, url, [facts.status])
    try:
        best: float | None = None
        best_params: dict[str, Any] = {}
        for position, trial in enumerate(complete, start=1):
            value = trial.value
            if value is None or not math.isfinite(value):
                continue
            if best is None or (value > best if facts.maximize else value < best):
                best, best_params = value, dict(trial.params or {})
                progress.best_value, progress.best_trial = value, trial.number
                run.log({"best_value": value, "best_trial": trial.number}, step=position)
        run.summary.update({"status": facts.status, "best_value": best,
                            "best_trial": progress.best_trial,
                            **{f"best_params.{k}": v for k, v in best_params.items()}})
    finally:
        run.finish(exit_code=1 if facts.status == "failed" else 0)
