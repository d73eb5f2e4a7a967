"""The Account page's email address: each user sets and clears only their own; a bad address is
refused naming the field, and the one saved before stays."""

from __future__ import annotations

from optunagui.store.tables import User
from tests.dashapp.conftest import callback_named, post_callback


def _save(app, client, email) -> str:
    response = post_callback(client, app, callback_named(app, "save_own_email"),
                             {"clicks": 1, "email": email, "refresh": 0})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _email(database, world, name):
    with database.session() as session:
        return session.get(User, world.user_ids[name]).email


def test_a_user_saves_shows_and_clears_their_own_email(app, world, database, client_for):
    vic = client_for("vic")
    assert "Email saved" in _save(app, vic, " vic@example.com ")
    assert _email(database, world, "vic") == "vic@example.com"
    assert _email(database, world, "olivia") is None
    shown = post_callback(vic, app, callback_named(app, "show_tokens"), {"refresh": 1})
    assert "vic@example.com" in shown.get_data(as_text=True)
    assert "Email removed" in _save(app, vic, "")
    assert _email(database, world, "vic") is None


def test_a_bad_email_is_refused_and_the_saved_one_stays(app, world, database, client_for):
    vic = client_for("vic")
    _save(app, vic, "vic@example.com")
    for bad in ("vic", "vic@example.com\nBcc: eve@example.com", ["vic@example.com"], 7):
        text = _save(app, vic, bad)
        assert "Email:" in text and "ana@example.com" in text
    assert _email(database, world, "vic") == "vic@example.com"
