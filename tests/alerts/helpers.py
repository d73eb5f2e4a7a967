from __future__ import annotations

from datetime import timedelta

from optunagui.alerts import create_rule, list_inbox
from optunagui.store import append_events
from optunagui.store._types import utcnow


def rule(db, experiment, owner, kind, params, **kwargs):
    with db.session() as session:
        return create_rule(session, experiment.id, name=kwargs.pop("name", kind), kind=kind,
                           params=params, created_by=owner.id, **kwargs)


def completed(db, run, number, ago_s: float = 0.0, **metrics):
    events(db, run, [{"kind": "completed", "trial_number": number, "metrics": metrics,
                      "created_at": utcnow() - timedelta(seconds=ago_s)}])


def events(db, run, batch):
    with db.session() as session:
        append_events(session, run.id, batch)


def messages(db, user):
    with db.session() as session:
        return [entry.message for entry in reversed(list_inbox(session, user.id))]
