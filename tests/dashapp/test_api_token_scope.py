"""The Account page makes read-only or read-write tokens; the API honours the choice."""

from __future__ import annotations

from optunagui.store import accounts
from tests.dashapp.conftest import callback_key, post_callback


def _create(app, client, scope):
    values = {"clicks": 1, "label": "ci", "days": None, "refresh": 0, "scope": scope}
    response = post_callback(client, app, callback_key(app, "account-token-new.children"), values)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_account_page_makes_tokens_of_the_chosen_scope(app, world, database, client_for):
    olivia = client_for("olivia")
    _create(app, olivia, "read-write")
    _create(app, olivia, "read")
    assert "Choose whether" in _create(app, olivia, "admin")
    with database.session() as session:
        tokens = accounts.list_api_tokens(session, world.user_ids["olivia"])
    assert sorted(t.scope for t in tokens) == ["read", "read-write"]
    text = _create(app, olivia, "read")
    start = text.index(accounts.API_TOKEN_PREFIX)
    raw = text[start:start + 47]
    with database.session() as session:
        token = accounts.resolve_api_token(session, raw)
    assert token is not None and token.scope == "read" and not token.may_write
    answer = app.server.test_client().post("/api/v1/experiments", json={"name": "x"},
                                           headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 403


def test_a_read_only_token_may_check_a_spec_and_ask_for_suggestions_but_not_launch(
        app, world, database):
    with database.session() as session:
        _, raw = accounts.create_api_token(session, world.user_ids["olivia"], label="ci",
                                           scope="read")
    headers = {"Authorization": f"Bearer {raw}"}
    client = app.server.test_client()
    spec = {"name": "check", "dataset": {"builtin": "iris"}, "model": "logistic_regression",
            "metrics": [{"name": "accuracy"}], "budget": {"n_trials": 2}}

    checked = client.post("/api/v1/specs/validate", json={"spec": spec}, headers=headers)
    suggested = client.post("/api/v1/suggest", json={"spec": spec}, headers=headers)
    created = client.post("/api/v1/experiments", json={"name": "x"}, headers=headers)

    assert checked.status_code == 200, checked.get_json()
    assert suggested.status_code == 200, suggested.get_json()
    assert created.status_code == 403
