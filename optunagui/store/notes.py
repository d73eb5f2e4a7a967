"""Markdown notes on experiments, runs and trials, with their author and times.

A note always belongs to an experiment (permissions are decided there); it may narrow to one
run, and to one trial of that run. Who may write or edit is the caller's decision (editors
add notes; the author or the experiment's owner edit and delete them); this module checks
the note's content and where it points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import UTCDateTime, utcnow
from optunagui.store._util import require
from optunagui.store.tables import Base, Experiment, Run, User

__all__ = [
    "MAX_NOTE_CHARS",
    "Note",
    "NoteInfo",
    "NoteProblem",
    "add_note",
    "delete_note",
    "get_note",
    "list_notes",
    "update_note",
]

MAX_NOTE_CHARS = 20_000


class NoteProblem(ValueError):
    """A note that cannot be saved: empty, too long, or pointing at something that is not there."""


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_experiment_id_run_id", "experiment_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    trial_number: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class NoteInfo:
    id: int
    experiment_id: int
    run_id: int | None
    trial_number: int | None
    body: str
    author_id: int | None
    author: str | None
    created_at: datetime
    updated_at: datetime | None


def _clean_body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise NoteProblem("note: write some text (Markdown is welcome)")
    text = body.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise NoteProblem(f"note: at most {MAX_NOTE_CHARS:,} characters, got {len(text):,}")
    return text


def add_note(
    session: Session,
    experiment_id: int,
    body: str,
    *,
    author_id: int | None,
    run_id: int | None = None,
    trial_number: int | None = None,
) -> Note:
    """Save a new note. Raises NoteProblem (bad text or target) or NotFound (no experiment)."""
    text = _clean_body(body)
    require(session, Experiment, experiment_id, "experiment")
    if trial_number is not None and run_id is None:
        raise NoteProblem("trial: a trial note needs its run")
    if run_id is not None:
        run = session.get(Run, run_id)
        if run is None or run.experiment_id != experiment_id:
            raise NoteProblem(f"run: run {run_id} is not a run of experiment {experiment_id}")
    if trial_number is not None and (isinstance(trial_number, bool) or
                                     not isinstance(trial_number, int) or trial_number < 0):
        raise NoteProblem(f"trial: expected a trial number (0 or more), got {trial_number!r}")
    note = Note(experiment_id=experiment_id, run_id=run_id, trial_number=trial_number,
                body=text, author_id=author_id)
    session.add(note)
    session.flush()
    return note


def get_note(session: Session, note_id: int) -> Note | None:
    return session.get(Note, note_id)


def update_note(session: Session, note_id: int, body: str) -> Note:
    """Replace a note's text; its author and creation time stay."""
    text = _clean_body(body)
    note = require(session, Note, note_id, "note")
    if note.body != text:
        note.body = text
        note.updated_at = utcnow()
    return note


def delete_note(session: Session, note_id: int) -> None:
    session.delete(require(session, Note, note_id, "note"))


def list_notes(
    session: Session,
    experiment_id: int,
    *,
    run_id: int | None = None,
    trial_number: int | None = None,
    include_runs: bool = False,
) -> list[NoteInfo]:
    """Notes oldest first: the experiment's own (and, with include_runs, its runs' too), or a
    run's (its trials' notes included unless a trial number narrows them to one trial)."""
    query = (
        select(Note, User.username)
        .outerjoin(User, User.id == Note.author_id)
        .where(Note.experiment_id == experiment_id)
    )
    if run_id is not None:
        query = query.where(Note.run_id == run_id)
        if trial_number is not None:
            query = query.where(Note.trial_number == trial_number)
    elif not include_runs:
        query = query.where(Note.run_id.is_(None))
    rows = session.execute(query.order_by(Note.created_at, Note.id)).all()
    return [
        NoteInfo(n.id, n.experiment_id, n.run_id, n.trial_number, n.body, n.author_id, name,
                 n.created_at, n.updated_at)
        for n, name in rows
    ]
