"""Notes on the run page over HTTP: editors write, readers read, only the author or the owner
changes a note, and nobody outside the experiment sees or touches one."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from dashapp.state import state
from optunagui.store import create_run
from optunagui.store.notes import add_note, list_notes
from tests.dashapp.conftest import callback_named, post_callback

SHOW = "run_show_notes"
SAVE = "run_save_note"
EDIT = "run_start_edit"
DELETE = "run_remove_note"


def _save(app, client, run_id, text, *, trial=None, editing=None):
    values = {"save": 1, "run_id": str(run_id), "text": text, "editing": editing,
              "refresh": 0, "trial": trial}
    return post_callback(client, app, callback_named(app, SAVE), values)


def _show(app, client, run_id):
    return post_callback(client, app, callback_named(app, SHOW),
                         {"run_id": str(run_id), "refresh": 0})


def _press(app, client, key, kind, note_id, run_id):
    button = {"type": f"run-note-{kind}", "note": note_id}
    values = {kind: [(button, 1)], "run_id": str(run_id), "refresh": 0}
    return post_callback(client, app, callback_named(app, key), values)


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _notes(database, world):
    with database.session() as session:
        return list_notes(session, world.alpha, run_id=world.run_id)


def _olivias_note(database, world) -> int:
    with database.session() as session:
        return add_note(session, world.alpha, "Owner's note", author_id=world.user_ids["olivia"],
                        run_id=world.run_id).id


def test_an_editor_writes_a_trial_note_and_a_viewer_reads_it(app, client_for, database, world):
    body = _body(_save(app, client_for("ed"), world.run_id, "Trial 2 *overfits*", trial=2))
    assert "Note saved." in json.dumps(body["run-notes-feedback"])
    assert body["run-notes-text"]["value"] == ""
    (note,) = _notes(database, world)
    assert (note.body, note.trial_number, note.author) == ("Trial 2 *overfits*", 2, "ed")

    shown = _body(_show(app, client_for("vic"), world.run_id))
    listed = json.dumps(shown["run-notes-list"]["children"])
    assert '"Trial 2 "' in listed and '"Em"' in listed and '["overfits"]' in listed  # drawn
    assert "trial 2" in listed and '"ed"' in listed
    assert "run-note-edit" not in listed  # a viewer gets no edit or delete buttons
    assert shown["run-notes-form"]["style"] == {"display": "none"}


def _note_body(app, client, run_id) -> dict[str, Any]:
    """The drawn body of the first note listed."""
    shown = _body(_show(app, client, run_id))["run-notes-list"]["children"]
    return shown["props"]["children"][0]["props"]["children"][1]


def _components(tree: Any) -> list[dict[str, Any]]:
    if isinstance(tree, list):
        return [found for child in tree for found in _components(child)]
    if not isinstance(tree, dict):
        return []
    return [tree, *_components(tree.get("props", {}).get("children"))]


def test_a_note_is_markdown_without_raw_html(app, client_for, database, world):
    _body(_save(app, client_for("ed"), world.run_id,
                "<script>alert(1)</script> **bold** [docs](javascript:alert(1))"))
    body = _note_body(app, client_for("ed"), world.run_id)
    assert body["props"]["className"] == "note-body mt-1 mb-0"
    (paragraph,) = body["props"]["children"]
    assert paragraph["type"] == "P"
    text, bold = paragraph["props"]["children"][:2]
    assert text == "<script>alert(1)</script> "  # shown as text
    assert (bold["type"], bold["props"]) == ("Strong", {"children": ["bold"]})
    types = {c["type"] for c in _components(body)}
    assert types == {"Div", "P", "Strong"}  # no script, and the javascript: link stays text
    assert "[docs](javascript:alert(1))" in paragraph["props"]["children"][2]


REMOTE_NOTE = ("![tracker](http://127.0.0.1:9/pixel.png) and ![tiny](data:image/png;base64,AAAA)"
               " — see [the plot](https://example.org/plot)")


def test_a_notes_remote_images_are_links_unless_allowed(app, client_for, database, world):
    _body(_save(app, client_for("ed"), world.run_id, REMOTE_NOTE))
    drawn = _components(_note_body(app, client_for("vic"), world.run_id))
    images = [c["props"]["src"] for c in drawn if c["type"] == "Img"]
    assert images == ["data:image/png;base64,AAAA"]
    links = {c["props"]["href"]: c["props"] for c in drawn if c["type"] == "A"}
    assert links["http://127.0.0.1:9/pixel.png"]["children"] == "image: tracker"
    assert links["http://127.0.0.1:9/pixel.png"]["className"] == "remote-image"
    assert links["https://example.org/plot"]["rel"] == "noopener noreferrer nofollow"

    app_state = state(app.server)
    app_state.settings = replace(app_state.settings, allow_remote_images=True)
    drawn = _components(_note_body(app, client_for("vic"), world.run_id))
    assert [c["props"]["src"] for c in drawn if c["type"] == "Img"] == [
        "http://127.0.0.1:9/pixel.png", "data:image/png;base64,AAAA"]


@pytest.mark.parametrize(
    ("text", "trial", "message"),
    [("", None, "write some text"), ("   ", None, "write some text"),
     ("fine", -1, "expected a trial number"), ("fine", 1.5, "expected a trial number"),
     ("x" * 20_001, None, "at most 20,000 characters")],
)
def test_bad_notes_are_refused_with_the_reason(app, client_for, database, world, text, trial,
                                               message):
    body = _body(_save(app, client_for("ed"), world.run_id, text, trial=trial))
    assert message in json.dumps(body["run-notes-feedback"])
    assert _notes(database, world) == []


@pytest.mark.parametrize("who", ["vic", "otto", "share", "anonymous"])
def test_readers_and_outsiders_cannot_write(app, client_for, database, world, who):
    response = _save(app, client_for(who), world.run_id, "sneaky")
    assert response.status_code in (204, 401)
    assert _notes(database, world) == []


@pytest.mark.parametrize("who", ["otto", "anonymous"])
def test_outsiders_do_not_see_notes(app, client_for, database, world, who):
    _olivias_note(database, world)
    response = _show(app, client_for(who), world.run_id)
    assert "Owner's note" not in response.get_data(as_text=True)


def test_an_editor_cannot_edit_or_delete_someone_elses_note(app, client_for, database, world):
    note_id = _olivias_note(database, world)
    client = client_for("ed")
    edit = _body(_press(app, client, EDIT, "edit", note_id, world.run_id))
    assert "Only the note's author" in json.dumps(edit)
    saved = _body(_save(app, client, world.run_id, "rewritten", editing=note_id))
    assert "only its author or the experiment's owner" in json.dumps(saved)
    deleted = _body(_press(app, client, DELETE, "delete", note_id, world.run_id))
    assert "Only the note's author" in json.dumps(deleted)
    assert [n.body for n in _notes(database, world)] == ["Owner's note"]


def test_the_author_edits_and_the_owner_deletes(app, client_for, database, world):
    _body(_save(app, client_for("ed"), world.run_id, "first words"))
    (note,) = _notes(database, world)
    ed = client_for("ed")
    loaded = _body(_press(app, ed, EDIT, "edit", note.id, world.run_id))
    assert loaded["run-notes-text"]["value"] == "first words"
    assert loaded["run-notes-editing"]["data"] == note.id
    _body(_save(app, ed, world.run_id, "better words", editing=note.id))
    (edited,) = _notes(database, world)
    assert (edited.body, edited.author) == ("better words", "ed") and edited.updated_at

    _body(_press(app, client_for("olivia"), DELETE, "delete", note.id, world.run_id))
    assert _notes(database, world) == []


def test_a_note_of_another_experiment_cannot_be_reached_through_this_run(app, client_for,
                                                                          database, world):
    with database.session() as session:
        foreign = add_note(session, world.bravo, "Bravo's secret",
                           author_id=world.user_ids["otto"]).id
    response = _press(app, client_for("olivia"), DELETE, "delete", foreign, world.run_id)
    assert response.status_code == 204
    saved = _body(_save(app, client_for("olivia"), world.run_id, "hijack", editing=foreign))
    assert "no longer exists" in json.dumps(saved)
    with database.session() as session:
        assert [n.body for n in list_notes(session, world.bravo)] == ["Bravo's secret"]


def test_a_note_of_another_run_is_not_changed_through_this_run(app, client_for, database, world):
    with database.session() as session:
        other = create_run(session, world.alpha, "sibling", {"name": "sibling"}).id
        sibling = add_note(session, world.alpha, "Sibling's note",
                           author_id=world.user_ids["olivia"], run_id=other).id
    olivia = client_for("olivia")
    assert _press(app, olivia, DELETE, "delete", sibling, world.run_id).status_code == 204
    assert _press(app, olivia, EDIT, "edit", sibling, world.run_id).status_code == 204
    with database.session() as session:
        assert [n.body for n in list_notes(session, world.alpha, run_id=other)] == \
            ["Sibling's note"]
