"""Notes on experiments, runs and trials: saved with author and time, listed by target."""

from __future__ import annotations

import pytest

from optunagui.store import create_experiment, create_run, create_user, delete_experiment
from optunagui.store.errors import NotFound
from optunagui.store.notes import (
    MAX_NOTE_CHARS,
    NoteProblem,
    add_note,
    delete_note,
    get_note,
    list_notes,
    update_note,
)


def test_notes_are_listed_by_target_with_their_author(db, owner, experiment, run):
    with db.session() as session:
        add_note(session, experiment.id, "Experiment note", author_id=owner.id)
        add_note(session, experiment.id, "Run note", author_id=owner.id, run_id=run.id)
        add_note(session, experiment.id, "Trial 3 is odd", author_id=owner.id, run_id=run.id,
                 trial_number=3)
    with db.session() as session:
        own = list_notes(session, experiment.id)
        everything = list_notes(session, experiment.id, include_runs=True)
        of_run = list_notes(session, experiment.id, run_id=run.id)
        of_trial = list_notes(session, experiment.id, run_id=run.id, trial_number=3)
    assert [n.body for n in own] == ["Experiment note"]
    assert [n.body for n in everything] == ["Experiment note", "Run note", "Trial 3 is odd"]
    assert [n.body for n in of_run] == ["Run note", "Trial 3 is odd"]
    assert [(n.body, n.trial_number) for n in of_trial] == [("Trial 3 is odd", 3)]
    assert own[0].author == owner.username and own[0].updated_at is None


def test_editing_keeps_author_and_creation_time(db, owner, experiment):
    with db.session() as session:
        note_id = add_note(session, experiment.id, "first", author_id=owner.id).id
    with db.session() as session:
        created = get_note(session, note_id).created_at
        update_note(session, note_id, "  second  ")
    with db.session() as session:
        note = get_note(session, note_id)
        assert (note.body, note.author_id, note.created_at) == ("second", owner.id, created)
        assert note.updated_at is not None
        delete_note(session, note_id)
    with db.session() as session:
        assert get_note(session, note_id) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "write some text"), ("   \n", "write some text"), (None, "write some text"),
     ("x" * (MAX_NOTE_CHARS + 1), "at most 20,000 characters")],
)
def test_bad_text_is_refused_with_the_reason(db, owner, experiment, body, message):
    with db.session() as session, pytest.raises(NoteProblem, match=message):
        add_note(session, experiment.id, body, author_id=owner.id)


def test_a_note_must_point_at_a_run_of_its_experiment(db, owner, experiment, run):
    with db.session() as session:
        other = create_experiment(session, "other", owner.id)
        foreign_run = create_run(session, other.id, "theirs", {"name": "theirs"})
        with pytest.raises(NoteProblem, match="is not a run of experiment"):
            add_note(session, experiment.id, "x", author_id=owner.id, run_id=foreign_run.id)
        with pytest.raises(NoteProblem, match="a trial note needs its run"):
            add_note(session, experiment.id, "x", author_id=owner.id, trial_number=1)
        with pytest.raises(NoteProblem, match="expected a trial number"):
            add_note(session, experiment.id, "x", author_id=owner.id, run_id=run.id,
                     trial_number=-1)
        with pytest.raises(NotFound):
            add_note(session, 9999, "x", author_id=owner.id)
        with pytest.raises(NotFound):
            update_note(session, 9999, "x")


def test_notes_go_with_their_experiment_and_outlive_their_author(db, experiment, run):
    with db.session() as session:
        writer = create_user(session, "writer", "!")
        add_note(session, experiment.id, "by a departed user", author_id=writer.id)
        session.delete(writer)
    with db.session() as session:
        (note,) = list_notes(session, experiment.id)
        assert (note.author_id, note.author) == (None, None)
        delete_experiment(session, experiment.id)
    with db.session() as session:
        assert list_notes(session, experiment.id, include_runs=True) == []
