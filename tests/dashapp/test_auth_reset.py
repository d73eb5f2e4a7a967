"""An admin's password reset forces a new password at the next sign-in; adding a member tells
no one which names exist; only /api/v1 skips the sign-in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from dashapp.pages.admin import ids as admin_ids
from optunagui.accounts import verify_password
from optunagui.store import accounts
from optunagui.store import users as user_store
from tests.dashapp.conftest import PASSWORD, callback_named, csrf_from_form, post_callback, sign_in
from tests.dashapp.session_checks import MovableClock, signed_in

NEW_PASSWORD = "chosen after the reset"


def _find(tree: Any, component_id: str) -> Any:
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"]["children"]
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = _find(item, component_id)
            if found is not None:
                return found
    return None


def admin_action(app, admin, user_id: int, action: str):
    button = {"type": "admin-user-action", "user": user_id, "action": action}
    return post_callback(admin, app, callback_named(app, "change_user"),
                         {"clicks": [(button, 1)], "refresh": 0})


def reset_by_admin(app, world, client_for, who: str = "vic") -> str:
    response = admin_action(app, client_for("ada"), world.user_ids[who], "reset-password")
    assert response.status_code == 200
    temporary = _find(json.loads(response.get_data(as_text=True)), admin_ids.temporary_password)
    assert isinstance(temporary, str) and len(temporary) >= 8
    return temporary


def choose(client, new: str, repeat: str | None = None):
    page = client.get("/login/password")
    assert page.status_code == 200
    token = csrf_from_form(page.get_data(as_text=True))
    return client.post("/login/password", data={
        "csrf_token": token, "new_password": new,
        "repeat_password": new if repeat is None else repeat})


def test_an_admin_reset_ends_the_users_sessions_and_the_old_password(app, world, client_for):
    vic = client_for("vic")
    temporary = reset_by_admin(app, world, client_for)
    assert not signed_in(app, vic)
    assert sign_in(app.server.test_client(), "vic", PASSWORD).status_code == 401
    assert temporary not in admin_action(app, client_for("ada"), world.user_ids["vic"],
                                         "disable").get_data(as_text=True)


def test_signing_in_with_a_temporary_password_asks_for_a_new_one_first(
    app, world, client_for, database
):
    temporary = reset_by_admin(app, world, client_for)
    client = app.server.test_client()
    page = sign_in(client, "vic", temporary, next_target=f"/experiments/{world.alpha}")
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    assert not signed_in(app, client)  # no session until a new password is chosen
    differ = choose(client, NEW_PASSWORD, "something else")
    assert differ.status_code == 400 and "differ" in differ.get_data(as_text=True)
    same = choose(client, temporary)
    assert same.status_code == 400 and "other than the temporary" in same.get_data(as_text=True)
    short = choose(client, "short")
    assert short.status_code == 400 and "8 to 1024" in short.get_data(as_text=True)
    done = choose(client, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == f"/experiments/{world.alpha}"
    assert signed_in(app, client)
    with database.session() as session:
        user = user_store.get_user(session, world.user_ids["vic"])
        assert not user.must_change_password and verify_password(user.password_hash, NEW_PASSWORD)
    assert sign_in(app.server.test_client(), "vic", temporary).status_code == 401
    assert sign_in(app.server.test_client(), "vic", NEW_PASSWORD).status_code == 302


def test_the_new_password_form_needs_a_pending_reset(app, world):
    client = app.server.test_client()
    assert client.get("/login/password").headers["Location"] == "/login"
    assert client.post("/login/password", data={"new_password": NEW_PASSWORD}).status_code == 302


def test_a_pending_new_password_expires_and_a_second_reset_voids_it(app, world, client_for):
    clock = MovableClock()
    app.server.config["OPTUNAGUI_CLOCK"] = clock
    late = app.server.test_client()
    assert sign_in(late, "vic", reset_by_admin(app, world, client_for)).status_code == 200
    clock.now += timedelta(minutes=11)
    assert late.get("/login/password").headers["Location"] == "/login"
    voided = app.server.test_client()
    assert sign_in(voided, "vic", reset_by_admin(app, world, client_for)).status_code == 200
    reset_by_admin(app, world, client_for)
    assert voided.get("/login/password").headers["Location"] == "/login"


def test_the_new_password_form_needs_its_csrf_token(app, world, client_for):
    client = app.server.test_client()
    sign_in(client, "vic", reset_by_admin(app, world, client_for))
    forged = client.post("/login/password", data={"new_password": NEW_PASSWORD,
                                                  "repeat_password": NEW_PASSWORD})
    assert forged.status_code == 302 and not signed_in(app, client)


def test_an_admin_resets_others_not_themselves(app, world, client_for):
    response = admin_action(app, client_for("ada"), world.user_ids["ada"], "reset-password")
    assert "under Account" in response.get_data(as_text=True)
    assert sign_in(app.server.test_client(), "ada").status_code == 302


def test_only_admins_reset_passwords(app, world, client_for):
    admin_action(app, client_for("olivia"), world.user_ids["vic"], "reset-password")
    assert sign_in(app.server.test_client(), "vic").status_code == 302


def _member_answer(app, client, world, username: str) -> str:
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1,
              "username": username, "role": "viewer"}
    response = post_callback(client, app, callback_named(app, "save_member"), values)
    return response.get_data(as_text=True).replace(repr(username), "NAME")


def test_adding_an_unknown_or_a_disabled_member_reads_the_same(app, world, client_for, database):
    client = client_for("olivia")
    with database.session() as session:
        user_store.create_user(session, "doris", "!")
        user_store.set_user_active(session, user_store.get_user_by_name(session, "doris").id,
                                   False)
    unknown = _member_answer(app, client, world, "nobody")
    disabled = _member_answer(app, client, world, "doris")
    assert unknown == disabled and "No active user is named NAME." in unknown


def test_the_api_answers_unknown_and_disabled_members_alike(app, world, database):
    with database.session() as session:
        _info, raw = accounts.create_api_token(session, world.user_ids["olivia"], label="t")
    client = app.server.test_client()
    answers = []
    for name in ("nobody", "dora"):
        response = client.post(f"/api/v1/experiments/{world.alpha}/members",
                               headers={"Authorization": f"Bearer {raw}"},
                               json={"username": name, "role": "viewer"})
        answers.append((response.status_code,
                        json.dumps(response.get_json()).replace(repr(name), "NAME")))
    assert answers[0] == answers[1] and answers[0][0] == 422


@pytest.mark.parametrize("path", ["/api/x", "/api", "/api/v2/experiments", "/api/v1x"])
def test_only_api_v1_skips_the_sign_in(app, world, client_for, path):
    for who in ("anonymous", "vic"):
        response = client_for(who).get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 404, (who, path)
        assert response.is_json and "/api/v1" in response.get_json()["error"]
        assert "dash" not in text.lower() and "plotly" not in text.lower()


def test_api_v1_still_answers_for_itself(app, world):
    response = app.server.test_client().get("/api/v1/experiments")
    assert response.status_code == 401 and response.is_json
