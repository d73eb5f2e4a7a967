"""Sign-in, sessions and CSRF, over HTTP."""

from __future__ import annotations

import pytest

from dashapp.auth import safe_next
from optunagui.accounts import hash_password
from optunagui.store import users as user_store
from tests.dashapp.conftest import (
    PASSWORD,
    callback_body,
    callback_key,
    csrf_from_form,
    post_callback,
    sign_in,
)


def test_login_signs_in_and_goes_to_the_local_next_page(app, world):
    client = app.server.test_client()
    response = sign_in(client, "vic", next_target=f"/experiments/{world.alpha}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/experiments/{world.alpha}"
    assert client.get("/experiments").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/login",
        "/ok\r\nSet-Cookie: x=1",
        "",
        None,
    ],
)
def test_safe_next_keeps_only_local_paths(target):
    assert safe_next(target) == "/experiments"


def test_safe_next_keeps_a_local_path_with_query():
    assert safe_next("/experiments/3?tab=runs") == "/experiments/3?tab=runs"


def test_login_rejects_external_next(app, world):
    client = app.server.test_client()
    response = sign_in(client, "vic", next_target="https://evil.example/")
    assert response.headers["Location"] == "/experiments"


def test_login_wrong_password_and_unknown_user_look_the_same(app, world):
    wrong = sign_in(app.server.test_client(), "vic", password="nope")
    unknown = sign_in(app.server.test_client(), "nobody", password="nope")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)


@pytest.mark.parametrize("name", ["", " ", "x" * 65, "vic" + "\x00"])
def test_login_refuses_empty_overlong_or_odd_names(app, world, name):
    response = sign_in(app.server.test_client(), name)
    assert response.status_code == 401


def test_login_shows_typed_name_escaped(app, world):
    response = sign_in(app.server.test_client(), "<script>alert(1)</script>", password="x")
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


def test_login_needs_the_csrf_token(app, world):
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "vic", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/experiments").status_code == 302


def test_login_slows_down_repeated_failures(app, world, clock):
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "vic", password="wrong").status_code == 401
    blocked = sign_in(client, "vic")  # the right password, but too soon
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    clock.now += 60
    assert sign_in(client, "vic").status_code == 302


def test_disabled_user_cannot_sign_in(app, world):
    response = sign_in(app.server.test_client(), "dora")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_disabled_user_loses_their_session(app, world, database, client_for):
    client = client_for("vic")
    key = callback_key(app, "experiments-table.children")
    assert post_callback(client, app, key, {"search": ""}).status_code == 200
    with database.session() as session:
        user_store.set_user_active(session, world.user_ids["vic"], False)
    assert client.get("/experiments").status_code == 302
    assert post_callback(client, app, key, {"search": ""}).status_code == 401


def test_session_cookie_is_httponly_and_samesite_lax(app, world):
    client = app.server.test_client()
    response = sign_in(client, "vic")
    cookies = [h for h in response.headers.getlist("Set-Cookie") if "optunagui_session" in h]
    assert cookies
    assert "HttpOnly" in cookies[-1]
    assert "SameSite=Lax" in cookies[-1]


def test_callbacks_need_the_csrf_header(app, world, client_for):
    client = client_for("vic")
    key = callback_key(app, "experiments-table.children")
    body = callback_body(app, key, {"search": ""})
    assert client.post("/_dash-update-component", json=body).status_code == 403
    wrong = {"X-CSRFToken": "forged"}
    assert client.post("/_dash-update-component", json=body, headers=wrong).status_code == 403


def test_logout_needs_post_with_csrf_and_ends_the_session(app, world, client_for):
    client = client_for("vic")
    page = client.get("/logout")
    assert page.status_code == 200
    assert client.post("/logout", data={}).status_code == 400
    assert client.get("/experiments").status_code == 200
    token = csrf_from_form(page.get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/experiments").status_code == 302


def test_passwords_are_stored_as_scrypt_hashes():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("scrypt:")
    assert PASSWORD not in hashed
