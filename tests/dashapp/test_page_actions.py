"""What the page callbacks do for the people allowed to use them, including bad input."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from dashapp.api import API_PREFIX, ENDPOINTS
from dashapp.api.registry import Scope, flask_rule
from optunagui.store import accounts
from optunagui.store import experiments as experiment_store
from optunagui.store import memberships as membership_store
from optunagui.store import users as user_store
from optunagui.store.tables import Experiment
from tests.dashapp.conftest import SECRET_NAME, callback_key, post_callback

ROUTE_TABLE = {
    # rule: what an anonymous GET gets
    "/login": 200,
    "/login/password": 302,  # only after signing in with a temporary password
    "/logout": 302,
    "/assets/<path:filename>": 200,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": None,
    "/_dash-layout": 401,
    "/_dash-dependencies": 401,
    "/_dash-update-component": 401,
    "/_reload-hash": 401,
    "/_favicon.ico": 200,
    "/": 302,
    "/<path:path>": 302,
    # The REST API (its routes come from its registry): a personal token in every request,
    # never a session (test_api*.py); its OpenAPI document and page are public.
    "/api/v1/<path:rest>": 404,
    **{API_PREFIX + flask_rule(e.path): 200 if e.need.scope is Scope.public else 401
       for e in ENDPOINTS},
}


def test_every_flask_route_is_in_the_route_table(app):
    rules = {rule.rule for rule in app.server.url_map.iter_rules()}
    assert rules == set(ROUTE_TABLE), "decide who may reach the new route and add it here"


def test_route_table_holds_for_anonymous_visitors(app):
    client = app.server.test_client()
    examples = {
        "/assets/<path:filename>": "/assets/optunagui.css",
        "/<path:path>": "/experiments/1",
        **{rule: re.sub(r"<(\w+)>", "1", rule) for rule in ROUTE_TABLE
           if rule.startswith("/api/")},
        "/api/v1/<path:rest>": "/api/v1/no/such/endpoint",
    }
    for rule, expected in ROUTE_TABLE.items():
        if expected is None:
            continue
        path = examples.get(rule, rule)
        response = (
            client.post(path, json={}) if rule == "/_dash-update-component" else client.get(path)
        )
        assert response.status_code == expected, rule


def _call(app, client, fragment, values):
    response = post_callback(client, app, callback_key(app, fragment), values)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "needs a name"), ("   ", "needs a name"), ("x" * 201, "at most 200"), (None, "needs")],
)
def test_create_experiment_refuses_empty_or_overlong_names(
    app, world, database, client_for, name, message
):
    text = _call(
        app,
        client_for("vic"),
        "experiments-create-feedback.children",
        {"clicks": 1, "name": name, "refresh": 0},
    )
    assert message in text
    with database.session() as session:
        assert len(session.scalars(select(Experiment)).all()) == 2


def test_create_experiment_makes_the_creator_owner(app, world, database, client_for):
    _call(
        app,
        client_for("vic"),
        "experiments-create-feedback.children",
        {"clicks": 1, "name": "  Vic's own  ", "refresh": 0},
    )
    with database.session() as session:
        experiment = session.scalar(select(Experiment).where(Experiment.name == "Vic's own"))
        assert membership_store.get_role(session, experiment.id, world.user_ids["vic"]) == "owner"


def test_experiment_list_shows_only_visible_experiments_and_filters(app, world, client_for):
    key = "experiments-table.children"
    assert "Bravo" not in _call(app, client_for("vic"), key, {"search": ""})
    assert "Alpha" in _call(app, client_for("vic"), key, {"search": ""})
    both = _call(app, client_for("ada"), key, {"search": ""})
    assert "Alpha" in both and "Bravo" in both
    filtered = _call(app, client_for("ada"), key, {"search": "bravo"})
    assert "Bravo" in filtered and "Alpha" not in filtered


@pytest.mark.parametrize(
    ("username", "role", "message"),
    [
        ("nobody", "viewer", "No active user is named"),
        ("", "viewer", "Enter a user name"),
        ("x" * 65, "viewer", "Enter a user name"),
        ("otto", "superuser", "Choose owner, editor or viewer"),
        ("dora", "viewer", "No active user is named"),
        ("olivia", "viewer", "at least one owner"),
    ],
)
def test_member_changes_refuse_bad_input(app, world, client_for, username, role, message):
    values = {
        "experiment_id": str(world.alpha),
        "refresh": 0,
        "clicks": 1,
        "username": username,
        "role": role,
    }
    text = _call(app, client_for("olivia"), "experiment-member-feedback.children...", values)
    assert message in text


def test_owner_adds_a_member_and_the_last_owner_stays(app, world, database, client_for):
    client = client_for("olivia")
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1}
    _call(
        app,
        client,
        "experiment-member-feedback.children...",
        {**values, "username": "otto", "role": "editor"},
    )
    remove = {"type": "experiment-member-remove", "user": world.user_ids["olivia"]}
    text = _call(
        app, client, "experiment-member-feedback.children@", {**values, "clicks": [(remove, 1)]}
    )
    assert "The last owner cannot be removed." in text
    with database.session() as session:
        assert membership_store.get_role(session, world.alpha, world.user_ids["otto"]) == "editor"
        assert membership_store.get_role(session, world.alpha, world.user_ids["olivia"]) == "owner"


def test_share_link_creation_checks_days_and_label(app, world, database, client_for):
    client = client_for("olivia")
    base = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1}
    for days in [0, 366, -1, "abc", 2.5, True]:
        text = _call(app, client, "experiment-share-new.children", {**base, "days": days})
        assert "Choose a lifetime" in text
    text = _call(
        app, client, "experiment-share-new.children", {**base, "days": 7, "label": "x" * 101}
    )
    assert "at most 100" in text
    text = _call(app, client, "experiment-share-new.children", {**base, "days": 1, "label": "ok"})
    assert "/s/" in text.replace("\\u002f", "/") and "will not be shown again" in text
    with database.session() as session:
        assert len(accounts.list_share_links(session, world.alpha)) == 2


def test_owner_renames_and_deletes_an_experiment(app, world, database, client_for):
    client = client_for("olivia")
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1}
    text = _call(app, client, "experiment-settings-feedback.children...", {**values, "name": " "})
    assert "needs a name" in text
    wrong = _call(
        app, client, "experiment-settings-feedback.children@", {**values, "confirm": "nope"}
    )
    assert "exact name" in wrong
    done = _call(
        app, client, "experiment-settings-feedback.children@", {**values, "confirm": SECRET_NAME}
    )
    assert '"href":"/experiments"' in done.replace("\\u002f", "/")
    with database.session() as session:
        assert experiment_store.get_experiment(session, world.alpha) is None
        assert accounts.list_share_links(session, world.alpha) == []


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", "long enough pw", "Enter a user name"),
        ("bad name", "long enough pw", "A user name has"),
        ("x" * 65, "long enough pw", "A user name has"),
        ("<script>", "long enough pw", "A user name has"),
        ("vic", "long enough pw", "is taken"),
        ("newbie", "short", "A password needs"),
    ],
)
def test_admin_user_creation_refuses_bad_input(app, world, client_for, name, password, message):
    values = {"clicks": 1, "name": name, "password": password, "is_admin": False, "refresh": 0}
    assert message in _call(app, client_for("ada"), "admin-create-feedback.children", values)


def test_admin_creates_a_user_with_a_generated_password(app, world, database, client_for):
    values = {"clicks": 1, "name": "newbie", "password": "", "is_admin": True, "refresh": 0}
    text = _call(app, client_for("ada"), "admin-create-feedback.children", values)
    assert "shown once" in text
    with database.session() as session:
        assert user_store.get_user_by_name(session, "newbie").is_admin


def test_admin_cannot_disable_or_demote_themselves(app, world, database, client_for):
    client = client_for("ada")
    for action in ("disable", "remove-admin"):
        button = {"type": "admin-user-action", "user": world.user_ids["ada"], "action": action}
        text = _call(
            app, client, "admin-action-feedback.children", {"clicks": [(button, 1)], "refresh": 0}
        )
        assert "cannot disable or demote yourself" in text
    with database.session() as session:
        ada = user_store.get_user(session, world.user_ids["ada"])
        assert ada.is_active and ada.is_admin


def test_admin_disables_and_promotes_users(app, world, database, client_for):
    client = client_for("ada")
    for action in ("disable", "make-admin"):
        button = {"type": "admin-user-action", "user": world.user_ids["vic"], "action": action}
        _call(
            app, client, "admin-action-feedback.children", {"clicks": [(button, 1)], "refresh": 0}
        )
    with database.session() as session:
        vic = user_store.get_user(session, world.user_ids["vic"])
        assert not vic.is_active and vic.is_admin


def test_api_tokens_are_shown_once_and_only_to_their_owner(app, world, database, client_for):
    vic = client_for("vic")
    text = _call(
        app,
        vic,
        "account-token-new.children",
        {"clicks": 1, "label": "ci", "days": 30, "refresh": 0},
    )
    assert accounts.API_TOKEN_PREFIX in text
    listing = _call(app, vic, "account-heading.children", {"refresh": 0})
    with database.session() as session:
        (token,) = accounts.list_api_tokens(session, world.user_ids["vic"])
    assert token.prefix in listing
    raw_start = text.index(accounts.API_TOKEN_PREFIX)
    assert text[raw_start : raw_start + 30] not in listing
    assert "ci" not in _call(app, client_for("otto"), "account-heading.children", {"refresh": 0})
    button = {"type": "account-token-revoke", "token": token.id}
    other = _call(
        app, client_for("otto"), "account-token-feedback.children", {"clicks": [(button, 1)]}
    )
    assert "No such token" in other
    mine = _call(app, vic, "account-token-feedback.children", {"clicks": [(button, 1)]})
    assert "Token revoked." in mine


def test_experiment_page_links_editors_to_the_wizard_and_each_run(app, world, client_for):
    values = {"experiment_id": str(world.alpha), "refresh": 0, "poll": 0}
    response = post_callback(client_for("ed"), app, callback_key(app, "experiment-denied"), values)
    payload = response.json["response"]
    assert payload["experiment-new-run"]["style"] == {}
    runs = json.dumps(payload["experiment-runs"]["children"])
    assert f'"/runs/{world.run_id}"' in runs
    assert f'"/experiments/{world.alpha}/new-run?clone={world.run_id}"' in runs


def test_experiment_page_offers_viewers_no_wizard_or_clone(app, world, client_for):
    values = {"experiment_id": str(world.alpha), "refresh": 0, "poll": 0}
    response = post_callback(client_for("vic"), app, callback_key(app, "experiment-denied"), values)
    payload = response.json["response"]
    assert payload["experiment-new-run"]["style"] == {"display": "none"}
    runs = json.dumps(payload["experiment-runs"]["children"])
    assert f'"/runs/{world.run_id}"' in runs and "new-run" not in runs


def test_creating_an_experiment_links_to_its_wizard(app, world, database, client_for):
    key = callback_key(app, "experiments-create-feedback.children")
    values = {"clicks": 1, "name": "Fresh one", "refresh": 0}
    response = post_callback(client_for("ed"), app, key, values)
    with database.session() as session:
        created = session.scalar(select(Experiment).where(Experiment.name == "Fresh one"))
    text = json.dumps(response.json["response"]["experiments-create-feedback"])
    assert f'"/experiments/{created.id}/new-run"' in text
