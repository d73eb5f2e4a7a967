"""`GET /api/v1/runs` (the runs the caller may read, filtered) and
`GET /api/v1/runs/<id>/events` (a run's trial events after a cursor, so scripts can stream)."""

from __future__ import annotations

from sqlalchemy import select

from dashapp import queries, services
from dashapp.api.auth import readable_experiment
from dashapp.api.registry import Call
from dashapp.api.schemas import EventPage, EventRecord, RunList, RunRecord
from optunagui.store import list_events_after
from optunagui.store.tables import Run

__all__ = ["list_runs", "run_events"]


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
                                   created_at=run.created_at, url=f"/runs/{run.id}"))
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
