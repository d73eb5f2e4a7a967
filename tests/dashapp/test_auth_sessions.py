"""Sessions end on the server: sign-out, a password change, a disabled account and the absolute
lifetime each stop a copy of the session cookie; a changed password needs the current one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.dashapp.conftest import (
    PASSWORD,
    callback_named,
    csrf_from_form,
    post_callback,
    sign_in,
)
from tests.dashapp.session_checks import MovableClock, signed_in

SESSION_COOKIE = "optunagui_session"
NEW_PASSWORD = "a brand new password"


@pytest.fixture
def moment(app) -> MovableClock:
    clock = MovableClock()
    app.server.config["OPTUNAGUI_CLOCK"] = clock
    return clock


def copy_of(app, client):
    """A second browser holding copies of ``client``'s cookies."""
    copy = app.server.test_client()
    for name in (SESSION_COOKIE, "_csrf_token"):
        cookie = client.get_cookie(name)
        if cookie is not None:
            copy.set_cookie(name, cookie.value)
    return copy


def sign_out(client) -> None:
    token = csrf_from_form(client.get("/logout").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def change_own_password(app, client, current: str, new: str, repeat: str | None = None) -> str:
    values = {"clicks": 1, "current": current, "new": new,
              "repeat": new if repeat is None else repeat, "refresh": 0}
    response = post_callback(client, app, callback_named(app, "change_own_password"), values)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_copied_cookie_stops_working_after_sign_out(app, world, client_for):
    client = client_for("vic")
    copy = copy_of(app, client)
    assert signed_in(app, copy)
    sign_out(client)
    assert not signed_in(app, copy)
    assert copy.get("/experiments").headers["Location"].startswith("/login")


def test_signing_out_ends_only_that_session(app, world, client_for):
    laptop, phone = client_for("vic"), client_for("vic")
    sign_out(laptop)
    assert signed_in(app, phone)


def test_a_copied_cookie_stops_working_after_a_password_change(app, world, client_for):
    client, elsewhere = client_for("vic"), client_for("vic")
    copy_elsewhere = copy_of(app, elsewhere)
    text = change_own_password(app, client, PASSWORD, NEW_PASSWORD)
    assert "Password changed" in text
    assert signed_in(app, client)  # the session that changed it stays signed in
    assert not signed_in(app, elsewhere)
    assert not signed_in(app, copy_elsewhere)
    assert sign_in(app.server.test_client(), "vic").status_code == 401
    assert sign_in(app.server.test_client(), "vic", NEW_PASSWORD).status_code == 302


def test_a_copied_cookie_stops_working_once_the_user_is_disabled(app, world, client_for):
    copy = copy_of(app, client_for("vic"))
    admin = client_for("ada")
    key = callback_named(app, "change_user")
    vic = world.user_ids["vic"]
    for action in ("disable", "enable"):
        button = {"type": "admin-user-action", "user": vic, "action": action}
        response = post_callback(admin, app, key, {"clicks": [(button, 1)], "refresh": 0})
        assert "Saved." in response.get_data(as_text=True)
        assert not signed_in(app, copy)  # and enabling the user again does not revive it
    assert signed_in(app, client_for("vic"))


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, world, client_for, moment):
    client = client_for("vic")
    copy = copy_of(app, client)
    start = moment.now
    for day in (1, 7, 13):
        moment.now = start + timedelta(days=day)
        assert signed_in(app, client), day
    moment.now = start + timedelta(days=14, seconds=1)
    assert not signed_in(app, client)
    assert not signed_in(app, copy)
    again = app.server.test_client()
    assert sign_in(again, "vic").status_code == 302
    assert signed_in(app, again)


def test_the_absolute_lifetime_is_a_setting(app, world, client_for, moment):
    app.server.config["OPTUNAGUI_SESSION_MAX_AGE"] = timedelta(hours=1)
    client = client_for("vic")
    moment.now += timedelta(minutes=59)
    assert signed_in(app, client)
    moment.now += timedelta(minutes=2)
    assert not signed_in(app, client)


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("", NEW_PASSWORD, NEW_PASSWORD, "Current password: enter"),
        ("wrong password", NEW_PASSWORD, NEW_PASSWORD, "The current password is wrong."),
        (PASSWORD, NEW_PASSWORD, "something else", "the two new passwords differ"),
        (PASSWORD, "short", "short", "A password needs 8 to 1024 characters."),
        (PASSWORD, PASSWORD, PASSWORD, "differs from the current one"),
    ],
)
def test_changing_a_password_needs_the_current_one_and_a_valid_new_one(
    app, world, client_for, current, new, repeat, message
):
    client, elsewhere = client_for("vic"), client_for("vic")
    assert message in change_own_password(app, client, current, new, repeat)
    assert signed_in(app, elsewhere)  # nothing changed
    assert sign_in(app.server.test_client(), "vic").status_code == 302


def test_signing_in_again_ends_the_browsers_previous_session(app, world, client_for):
    client = client_for("vic")
    copy = copy_of(app, client)
    token = csrf_from_form(client.get("/logout").get_data(as_text=True))
    again = client.post("/login", data={"username": "ed", "password": PASSWORD,
                                        "csrf_token": token})
    assert again.status_code == 302
    assert not signed_in(app, copy)
    assert signed_in(app, client)
