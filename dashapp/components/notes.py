"""A "Notes" card for the run page and the experiment page: Markdown notes with author and time.

Readers of the experiment see the notes; editors and owners add them; a note is edited or
deleted by its author (while still an editor) or by the experiment's owner. Notes are drawn
from Markdown without raw HTML, so no script in a note ever runs, and with remote images as
links unless an admin allows them (``markdown_view``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard, services
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.buttons import bump, clicked_id
from dashapp.components.markdown_view import markdown_view
from dashapp.guard import Access
from dashapp.permissions import Role, parse_id
from optunagui.store import NotFound
from optunagui.store.notes import (
    MAX_NOTE_CHARS,
    NoteInfo,
    NoteProblem,
    add_note,
    delete_note,
    get_note,
    list_notes,
    update_note,
)

__all__ = [
    "NoteIds",
    "may_change",
    "notes_card",
    "register_notes",
    "remove_note",
    "save_note",
    "show_notes",
    "start_edit",
]


class NoteIds:
    """The card's component ids on one page (``prefix`` is "run" or "experiment")."""

    def __init__(self, prefix: str) -> None:
        self.list = f"{prefix}-notes-list"
        self.refresh = f"{prefix}-notes-refresh"
        self.form = f"{prefix}-notes-form"
        self.text = f"{prefix}-notes-text"
        self.trial = f"{prefix}-notes-trial"
        self.editing = f"{prefix}-notes-editing"
        self.save = f"{prefix}-notes-save"
        self.cancel = f"{prefix}-notes-cancel"
        self.feedback = f"{prefix}-notes-feedback"
        self.edit = f"{prefix}-note-edit"  # pattern-matching type, with "note"
        self.delete = f"{prefix}-note-delete"  # pattern-matching type, with "note"


def notes_card(note_ids: NoteIds, *, trials: bool) -> dbc.Card:
    fields: list[Any] = [
        dbc.Textarea(id=note_ids.text, placeholder="Write a note (Markdown)", rows=3,
                     maxLength=MAX_NOTE_CHARS, class_name="mb-2"),
    ]
    if trials:
        fields.append(
            dbc.InputGroup(
                [dbc.InputGroupText("About trial (optional)"),
                 dbc.Input(id=note_ids.trial, type="number", min=0, step=1)],
                size="sm", class_name="mb-2",
            )
        )
    fields.append(
        html.Div([
            dbc.Button("Save note", id=note_ids.save, color="primary", size="sm",
                       class_name="me-2"),
            dbc.Button("Cancel edit", id=note_ids.cancel, color="secondary", size="sm",
                       outline=True),
        ])
    )
    return dbc.Card(
        [
            dbc.CardHeader("Notes"),
            dbc.CardBody([
                dcc.Store(id=note_ids.refresh, data=0),
                dcc.Store(id=note_ids.editing, data=None),
                html.Div(id=note_ids.list, className="mb-2"),
                html.Div(fields, id=note_ids.form, style=HIDDEN),
                html.Div(id=note_ids.feedback, className="mt-2"),
            ]),
        ],
        class_name="mb-3",
    )


def may_change(access: Access, note: Any) -> bool:
    """The experiment's owner, or the note's author while an editor."""
    role = access.role
    if role is None:
        return False
    if role >= Role.owner:
        return True
    user_id = access.principal.user_id
    return role >= Role.editor and user_id is not None and note.author_id == user_id


def _note_item(note_ids: NoteIds, access: Access, note: NoteInfo, *,
               remote_images: bool) -> dbc.ListGroupItem:
    about = f" · trial {note.trial_number}" if note.trial_number is not None else ""
    edited = " · edited" if note.updated_at is not None else ""
    when = components.format_time(note.created_at)
    header: list[Any] = [
        html.Strong(note.author or "a former user", className="me-2"),
        html.Span(f"{when}{about}{edited}", className="text-muted small"),
    ]
    if may_change(access, note):
        header.append(html.Span([
            dbc.Button("Edit", id={"type": note_ids.edit, "note": note.id}, size="sm",
                       color="link", class_name="p-0 ms-3"),
            dbc.Button("Delete", id={"type": note_ids.delete, "note": note.id}, size="sm",
                       color="link", class_name="p-0 ms-2 text-danger"),
        ]))
    return dbc.ListGroupItem(
        [html.Div(header), markdown_view(note.body, remote_images=remote_images,
                                         class_name="note-body mt-1 mb-0")],
        class_name="note-item",
    )


def _notes(access: Access, scope: str) -> list[NoteInfo]:
    with services.database().session() as session:
        if scope == "run":
            return list_notes(session, access.experiment_id, run_id=access.run_id)
        return list_notes(session, access.experiment_id)


def _listed_note(session: Any, access: Access, scope: str, note_id: int) -> Any:
    """The note when it is one this page lists (the run's notes, or the experiment's own);
    None for any other, whatever experiment it belongs to."""
    note = get_note(session, note_id)
    if note is None or note.experiment_id != access.experiment_id:
        return None
    expected_run = access.run_id if scope == "run" else None
    return note if note.run_id == expected_run else None


def _clicked_note(session: Any, access: Access, scope: str, note_id: int, verb: str
                  ) -> tuple[Any, str | None]:
    """The note whose button was pressed, and why ``access`` may not ``verb`` it (None when
    it may). A note this page does not list is never answered."""
    note = _listed_note(session, access, scope, note_id)
    if note is None:
        raise dash.exceptions.PreventUpdate
    if not may_change(access, note):
        return note, f"Only the note's author or the experiment's owner may {verb} it."
    return note, None


def _trial_number(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw) or raw < 0:
        raise NoteProblem("trial: expected a trial number (0 or more), or leave it empty")
    return int(raw)


def show_notes(access: Access, refresh: Any, *, note_ids: NoteIds, scope: str,
               **_ids: Any) -> Any:
    notes = _notes(access, scope)
    editor = access.holds(Role.editor)
    form_style = SHOWN if editor else HIDDEN
    if not notes:
        return components.empty_note("No notes yet."), form_style
    remote_images = services.state().settings.allow_remote_images
    items = [_note_item(note_ids, access, note, remote_images=remote_images) for note in notes]
    return dbc.ListGroup(items, flush=True), form_style


def save_note(access: Access, save: Any, text: Any, editing: Any, refresh: Any,
              trial: Any = None, *, note_ids: NoteIds, scope: str, **_ids: Any) -> Any:
    if not save:
        raise dash.exceptions.PreventUpdate
    try:
        done = _write_note(access, scope, parse_id(editing), text, trial)
    except (NoteProblem, NotFound) as error:
        message = components.message(str(error), "danger")
        return dash.no_update, message, dash.no_update, dash.no_update
    return bump(refresh), components.message(done, "success"), "", None


def _write_note(access: Access, scope: str, note_id: int | None, text: Any, trial: Any) -> str:
    """Update the note being edited, or add a new one; returns what was done."""
    with services.database().session() as session:
        if note_id is not None:
            note = _listed_note(session, access, scope, note_id)
            if note is None:
                raise NoteProblem("note: it no longer exists")
            if not may_change(access, note):
                raise NoteProblem("note: only its author or the experiment's owner may edit it")
            update_note(session, note_id, text)
            return "Note updated."
        add_note(session, access.experiment_id, text,
                 author_id=access.principal.user_id,
                 run_id=access.run_id if scope == "run" else None,
                 trial_number=_trial_number(trial) if scope == "run" else None)
        return "Note saved."


def start_edit(access: Access, edit: Any, cancel: Any, *, note_ids: NoteIds, scope: str,
               **_ids: Any) -> Any:
    if ctx.triggered_id == note_ids.cancel:
        return "", None, None
    note_id = clicked_id(edit, "note")
    with services.database().session() as session:
        note, refusal = _clicked_note(session, access, scope, note_id, "edit")
        if refusal is not None:
            return dash.no_update, dash.no_update, components.message(refusal, "warning")
        body = note.body
    return body, note_id, components.message(f"Editing note {note_id}.", "info")


def remove_note(access: Access, delete: Any, refresh: Any, *, note_ids: NoteIds, scope: str,
                **_ids: Any) -> Any:
    note_id = clicked_id(delete, "note")
    with services.database().session() as session:
        _note, refusal = _clicked_note(session, access, scope, note_id, "delete")
        if refusal is not None:
            return dash.no_update, components.message(refusal, "warning")
        delete_note(session, note_id)
    return bump(refresh), components.message("Note deleted.", "success")


def register_notes(app: dash.Dash, note_ids: NoteIds, *, scope: str, source_id: str) -> None:
    """Wire the card's callbacks for one page; ``source_id`` is the page's store holding the
    run/experiment id. Each is registered as ``<scope>_<function name>``, e.g.
    ``run_save_note``."""
    requirement = guard.run if scope == "run" else guard.experiment
    source = "run_id" if scope == "run" else "experiment_id"

    def wire(callback: Callable[..., Any], role: Role, **wiring: Any) -> None:
        guard.guarded_callback(
            app, requires=requirement(role, source), name=f"{scope}_{callback.__name__}",
            **wiring,
        )(partial(callback, note_ids=note_ids, scope=scope))

    wire(
        show_notes, Role.viewer,
        output=[Output(note_ids.list, "children"), Output(note_ids.form, "style")],
        inputs={source: Input(source_id, "data"), "refresh": Input(note_ids.refresh, "data")},
    )
    wire(
        save_note, Role.editor,
        output=[
            Output(note_ids.refresh, "data"),
            Output(note_ids.feedback, "children"),
            Output(note_ids.text, "value"),
            Output(note_ids.editing, "data"),
        ],
        inputs={"save": Input(note_ids.save, "n_clicks")},
        state={
            source: State(source_id, "data"),
            "text": State(note_ids.text, "value"),
            "editing": State(note_ids.editing, "data"),
            "refresh": State(note_ids.refresh, "data"),
            **({"trial": State(note_ids.trial, "value")} if scope == "run" else {}),
        },
        prevent_initial_call=True,
    )
    wire(
        start_edit, Role.editor,
        output=[
            Output(note_ids.text, "value", allow_duplicate=True),
            Output(note_ids.editing, "data", allow_duplicate=True),
            Output(note_ids.feedback, "children", allow_duplicate=True),
        ],
        inputs={"edit": Input({"type": note_ids.edit, "note": ALL}, "n_clicks"),
                "cancel": Input(note_ids.cancel, "n_clicks")},
        state={source: State(source_id, "data")},
        prevent_initial_call=True,
    )
    wire(
        remove_note, Role.editor,
        output=[Output(note_ids.refresh, "data", allow_duplicate=True),
                Output(note_ids.feedback, "children", allow_duplicate=True)],
        inputs={"delete": Input({"type": note_ids.delete, "note": ALL}, "n_clicks")},
        state={source: State(source_id, "data"), "refresh": State(note_ids.refresh, "data")},
        prevent_initial_call=True,
    )
