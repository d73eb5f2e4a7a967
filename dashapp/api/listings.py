"""`GET /api/v1/runs` (the runs the caller may read, filtered), `GET /api/v1/runs/<id>/events`
(a run's trial events after a cursor, so scripts can stream) and `GET .../trial-rows` (its
trials by number after a cursor; a trial that changes later shows in the events)."""

from __future__ import annotations

from sqlalchemy import select

from dashapp import queries, services
from dashapp.api.auth import readable_experiment
from dashapp.api.registry import Call
from dashapp.api.schemas import (
    EventPage,
    EventRecord,
    RunList,
    RunRecord,
    TrialPage,
    TrialRecord,
)
from dashapp.paths import app_path
from optunagui.store import list_events_after
from optunagui.store.tables import Run, Trial
from optunagui.store.trials import decode_rows, row_columns

__all__ = ["list_runs", "run_events", "run_trial_rows"]


def _experiment_ids(call: Call) -> list[int]:
    wanted = call.query.experiment_id
    if wanted is not None:
        readable_experiment(wanted)
        return [wanted]
    with services.database().session() as session:
        return [row.id for row in queries.list_experiment_rows(session, call.principal)]


def _model(run: Run) -> str | None:
    model = (run.spec or {}).get("model")
    return model if isinstance(model, str) else None


def list_runs(call: Call) -> RunList:
    """Runs newest first, filtered by experiment, status, model and creation time."""
    query = call.query
    ids = _experiment_ids(call)
    statement = select(Run).where(Run.experiment_id.in_(ids))
    if query.status is not None:
        statement = statement.where(Run.status == query.status)
    if query.created_after is not None:
        statement = statement.where(Run.created_at > query.created_after)
    statement = statement.order_by(Run.created_at.desc(), Run.id.desc())
    found: list[RunRecord] = []
    with services.database().session() as session:
        for run in session.scalars(statement):
            model = _model(run)
            if query.model is not None and model != query.model:
                continue
            found.append(RunRecord(id=run.id, name=run.name, experiment_id=run.experiment_id,
                                   status=run.status, model=model, best_value=run.best_value,
                                   created_at=run.created_at, url=app_path(f"/runs/{run.id}")))
            if len(found) >= query.limit:
                break
    return RunList(runs=found)


def run_events(call: Call) -> EventPage:
    """The run's events after the cursor ``after``, oldest first; the answer's ``cursor``
    reads on from there."""
    with services.database().session() as session:
        rows = list_events_after(session, call.run_id, call.query.after, call.query.limit)
    events = [EventRecord(id=r.id, trial_number=r.trial_number, kind=r.kind, step=r.step,
                          metrics=r.metrics, worker=r.worker, created_at=r.created_at)
              for r in rows]
    return EventPage(events=events, cursor=events[-1].id if events else call.query.after)


def run_trial_rows(call: Call) -> TrialPage:
    """The run's trials numbered after the cursor ``after``, by number."""
    query = call.query
    statement = (select(*row_columns())
                 .where(Trial.run_id == call.run_id, Trial.number > query.after)
                 .order_by(Trial.number).limit(query.limit))
    with services.database().session() as session:
        rows = decode_rows(session.execute(statement).all())
    trials = [TrialRecord(number=r.number, state=r.state, values=r.values, params=r.params,
                          user_attrs=r.user_attrs, started_at=r.started_at,
                          finished_at=r.finished_at, duration_s=r.duration_s) for r in rows]
    return TrialPage(trials=trials, cursor=trials[-1].number if trials else query.after)
