"""`POST /api/v1/experiments/<id>/notes` and `POST /api/v1/runs/<id>/notes`: add a Markdown
note, as editors do on the experiment and run pages (``optunagui.store.notes.add_note``)."""

from __future__ import annotations

from dashapp import services
from dashapp.api.registry import Call
from dashapp.api.responses import ApiProblem
from dashapp.api.schemas import NoteAnswer
from optunagui.store import NotFound
from optunagui.store.notes import NoteProblem, add_note

__all__ = ["add_experiment_note", "add_run_note"]


def _add(experiment_id: int, call: Call, run_id: int | None,
         trial_number: int | None) -> NoteAnswer:
    try:
        with services.database().session() as session:
            note = add_note(session, experiment_id, call.body.text, author_id=call.user_id,
                            run_id=run_id, trial_number=trial_number)
            answer = NoteAnswer(id=note.id, experiment_id=experiment_id, run_id=run_id,
                                trial_number=trial_number, text=note.body)
    except (NoteProblem, NotFound) as error:
        field, _, message = str(error).partition(": ")
        raise ApiProblem(422, str(error), [{"field": field if message else "text",
                                            "message": message or str(error)}]) from None
    return answer


def add_experiment_note(call: Call) -> NoteAnswer:
    """A note on the experiment."""
    return _add(call.ids["experiment_id"], call, None, None)


def add_run_note(call: Call) -> NoteAnswer:
    """A note on the run, or on one of its trials (``trial_number``)."""
    assert call.experiment_id is not None
    return _add(call.experiment_id, call, call.run_id, call.body.trial_number)
