"""One MLflow pass: the run as a parent MLflow run, each trial a nested child run.

The parent gets the spec (flat params and ``optunagui/spec.json``), a link back to the run
page, and the best value and params each time they improve; a child gets its trial's params,
every step's metrics at their step, the final metrics, and its state and duration as tags,
and is ended with the trial. Metrics carry the event's own time, so a batch MLflow took just
before a failure and is sent again is the same rows, not new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from optunagui.store.db import Database
from optunagui.store.events import EventRow
from optunagui.tracking.mlflow_client import MlflowRuns
from optunagui.tracking.payload import (
    MetricPoint,
    TrialLog,
    flatten_spec,
    improvements,
    param_key,
    param_value,
    steps_before,
    timestamp_ms,
    trial_logs,
)
from optunagui.tracking.progress import (
    Progress,
    add_children,
    expect_new_runs,
    load_progress,
    save_progress,
)
from optunagui.tracking.reads import (
    RunFacts,
    TrialFacts,
    load_last_results,
    load_trials,
    new_events,
)
from optunagui.tracking.targets import MlflowTarget, run_url

__all__ = ["sync_mlflow"]

TRACKER = "mlflow"


def sync_mlflow(db: Database, facts: RunFacts, target: MlflowTarget, *, limit: int,
                environ: Mapping[str, str] | None = None) -> tuple[int, bool]:
    """Log the run's next events (at most `limit`); returns (events read, more are waiting).

    Raises whatever MLflow raises; what was sent before it is kept as progress.
    """
    with db.session() as session:
        progress = load_progress(session, facts.run_id, TRACKER)
        events, last_id, more = new_events(session, facts.run_id, progress.cursor, limit)
        numbers = {e.trial_number for e in events if e.trial_number is not None}
        add_children(session, facts.run_id, progress, numbers)
        trials = load_trials(session, facts.run_id, numbers)
        last_results = load_last_results(session, facts.run_id, steps_before(events))
    if last_id == progress.cursor and (progress.closed or not facts.ended):
        return 0, False
    runs = MlflowRuns(target)
    ok = False
    try:
        _ensure_parent(db, runs, facts, progress, events, environ)
        logs = trial_logs(events, trials, progress.logged_through, last_results)
        _ensure_children(db, runs, facts, progress, logs)
        for number in sorted(logs):
            _send_trial(runs, progress, logs[number])
        _log_best(runs, progress, events, trials, facts)
        progress.cursor = last_id
        if facts.ended and not more and not progress.closed:
            runs.log(progress.external_id or "", tags={"optunagui.status": facts.status})
            runs.end(progress.external_id or "", facts.status, None)
            progress.closed = True
        ok = True
    finally:
        save_progress(db, facts.run_id, progress, ok=ok, target=target.describe())
    return len(events), more


def _ensure_parent(db: Database, runs: MlflowRuns, facts: RunFacts, progress: Progress,
                   events: Sequence[EventRow], environ: Mapping[str, str] | None) -> None:
    if progress.external_id is not None and progress.container_id is not None:
        return
    experiment_id = progress.container_id or runs.experiment_id()
    parent = runs.find_parent(experiment_id, facts.run_id, facts.study_name) \
        if progress.reconcile else None
    if parent is None:
        expect_new_runs(db, progress, facts.run_id)
        start = timestamp_ms(events[0].created_at) if events else None
        parent = runs.create_parent(experiment_id, facts.run_id, facts.study_name, facts.name,
                                    start)
    url = run_url(facts.run_id, environ)
    runs.describe_parent(parent, facts.spec, flatten_spec(facts.spec), {
        "optunagui.run_url": url,
        "optunagui.experiment": facts.experiment_name,
        "mlflow.note.content": f"OptunaGui run [{facts.name}]({url}) "
                               f"(experiment {facts.experiment_name}); one child run per trial.",
    })
    progress.container_id, progress.external_id = experiment_id, parent
    save_progress(db, facts.run_id, progress, ok=False, target=runs.target.describe())


def _ensure_children(db: Database, runs: MlflowRuns, facts: RunFacts, progress: Progress,
                     logs: Mapping[int, TrialLog]) -> None:
    missing = [n for n in sorted(logs) if n not in progress.children]
    if not missing:
        return
    assert progress.container_id is not None and progress.external_id is not None
    if progress.reconcile:  # an interrupted pass may have made some of them
        for number, child in runs.find_children(progress.container_id,
                                                progress.external_id).items():
            if number in missing and number not in progress.children:
                progress.add_child(number, child)
    for number in [n for n in missing if n not in progress.children]:
        expect_new_runs(db, progress, facts.run_id)
        progress.add_child(number, runs.create_child(
                progress.container_id, progress.external_id, facts.run_id, number,
                logs[number].start_ms))


def _send_trial(runs: MlflowRuns, progress: Progress, log: TrialLog) -> None:
    child = progress.children[log.number]
    if log.metrics or log.params or log.tags:
        runs.log(child, metrics=log.metrics, params=log.params, tags=log.tags)
    if log.state is not None:
        runs.end(child, log.state, log.end_ms)
    progress.mark_sent(log.number, log.last_event_id, log.state is not None)


def _log_best(runs: MlflowRuns, progress: Progress, events: Sequence[EventRow],
              trials: Mapping[int, TrialFacts], facts: RunFacts) -> None:
    better = improvements(events, trials, progress.best_value, facts.maximize)
    if not better:
        return
    key = f"best_{param_key(facts.primary_metric)}" if facts.primary_metric else "best_value"
    newest = better[-1]
    tags = {"optunagui.best_trial": str(newest.trial_number),
            "optunagui.best_value": repr(newest.value)}
    tags.update({f"best_params.{param_key(k)}": param_value(v)
                 for k, v in newest.params.items()})
    runs.log(progress.external_id or "", tags=tags, metrics=[
        MetricPoint(key, b.value, b.timestamp_ms, b.trial_number) for b in better])
    progress.best_value, progress.best_trial = newest.value, newest.trial_number
