"""Fixtures for the dashboard's HTTP-level tests: a migrated SQLite database with a small team,
a fresh app per test, signed-in test clients, helpers that find a callback (by the name it was
registered under, or by a fragment of its outputs) and post requests to it the way the browser
does, and one that gives the team's run a spec and trials."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashapp.app import create_app
from dashapp.guard import callback_name_of
from dashapp.services import share_token_for_url
from dashapp.throttle import LoginThrottle
from optunagui.accounts import hash_password
from optunagui.config import load_settings
from optunagui.store import Database, Run, accounts, upsert_trials
from optunagui.store import experiments as experiment_store
from optunagui.store import memberships as membership_store
from optunagui.store import runs as run_store
from optunagui.store import users as user_store
from optunagui.store.tables import Trial

PASSWORD = "correct horse battery"
SECRET_NAME = "Alpha <b>secret</b> experiment"
OTHER_NAME = "Bravo private experiment"
RUN_NAME = "alpha-run-secret"


@dataclass
class World:
    """The seeded team: users by name, the two experiments, a run, and a live share link."""

    user_ids: dict[str, int] = field(default_factory=dict)
    alpha: int = 0
    bravo: int = 0
    run_id: int = 0
    share_url_token: str = ""
    share_link_id: int = 0
    bravo_link_id: int = 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path):
    base = load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path / "data")})
    return replace(base, secret_key="test-secret-key-0123456789abcdef")


@pytest.fixture
def database(settings):
    db = Database(settings.database_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def cli_db(tmp_settings):
    """The command line's database: migrated, on the data directory of ``tmp_settings``."""
    database = Database(tmp_settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(settings, database, clock):
    return create_app(settings, database=database, throttle=LoginThrottle(clock=clock))


@pytest.fixture
def world(app, database, password_hash) -> World:
    """olivia owns Alpha (ed edits, vic views); otto owns Bravo; ada is admin; dora disabled."""
    result = World()
    with database.session() as session:
        for name in ("olivia", "ed", "vic", "otto", "ada", "dora"):
            user = user_store.create_user(session, name, password_hash, is_admin=name == "ada")
            result.user_ids[name] = user.id
        user_store.set_user_active(session, result.user_ids["dora"], False)
        alpha = experiment_store.create_experiment(session, SECRET_NAME, result.user_ids["olivia"])
        bravo = experiment_store.create_experiment(session, OTHER_NAME, result.user_ids["otto"])
        result.alpha, result.bravo = alpha.id, bravo.id
        membership_store.set_member_role(session, alpha.id, result.user_ids["ed"], "editor")
        membership_store.set_member_role(session, alpha.id, result.user_ids["vic"], "viewer")
        membership_store.set_member_role(session, alpha.id, result.user_ids["dora"], "viewer")
        spec = {"metrics": [{"name": "accuracy", "direction": "maximize"}]}
        run = run_store.create_run(
            session, alpha.id, RUN_NAME, spec, created_by=result.user_ids["ed"]
        )
        result.run_id = run.id
        session.add(Trial(run_id=run.id, number=0, state="complete", values=[0.9]))
        session.add(Trial(run_id=run.id, number=1, state="pruned"))
        link, raw = accounts.create_share_link(
            session, alpha.id, created_by_id=result.user_ids["olivia"], label="for the client"
        )
        result.share_link_id = link.id
        bravo_link, _ = accounts.create_share_link(
            session, bravo.id, created_by_id=result.user_ids["otto"], label="bravo link"
        )
        result.bravo_link_id = bravo_link.id
    with app.server.test_request_context():
        result.share_url_token = share_token_for_url(raw)
    return result


def csrf_from_form(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, next_target: str = ""):
    page = client.get("/login")
    token = csrf_from_form(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token, "next": next_target},
    )


@pytest.fixture
def client_for(app, world):
    """A test client signed in as the named user ("anonymous": nobody; "share": a visitor who
    opened Alpha's share link)."""

    def make(who: str) -> FlaskClient:
        client = app.server.test_client()
        if who == "anonymous":
            return client
        if who == "share":
            assert client.get(f"/s/{world.share_url_token}").status_code == 200
            return client
        response = sign_in(client, who)
        assert response.status_code == 302, response.get_data(as_text=True)
        client.get("/experiments")  # first page load: Dash sets itself up, the CSRF cookie lands
        return client

    return make


def iris_spec(name: str, n_trials: int) -> dict[str, Any]:
    """A logistic-regression spec on iris with one parameter, ``C``."""
    return {
        "name": name,
        "dataset": {"builtin": "iris"},
        "model": "logistic_regression",
        "space": {"C": {"type": "float", "low": 0.01, "high": 10.0, "log": True}},
        "metrics": [{"name": "accuracy", "direction": "maximize"}],
        "budget": {"n_trials": n_trials},
    }


def give_run_trials(database, run_id: int, spec: dict[str, Any],
                    trials: list[dict[str, Any]]) -> int:
    """Store ``spec`` on the run and ``trials`` as its trials; returns the run id."""
    with database.session() as session:
        session.get(Run, run_id).spec = spec
        upsert_trials(session, run_id, trials)
    return run_id


def callback_named(app, name: str) -> str:
    """The callback_map key of the server-side callback registered under ``name``."""
    keys = [k for k, v in app.callback_map.items()
            if "callback" in v and callback_name_of(v["callback"]) == name]
    assert len(keys) == 1, (name, keys)
    return keys[0]


def callback_key(app, output_fragment: str) -> str:
    """The callback_map key of the one server-side callback whose outputs contain the fragment."""
    keys = [k for k, v in app.callback_map.items() if output_fragment in k and "callback" in v]
    assert len(keys) == 1, (output_fragment, keys)
    return keys[0]


def _outputs(key: str) -> Any:
    def one(part: str) -> Any:
        component, prop = part.rsplit(".", 1)
        if component.startswith("{"):
            return []  # a wildcard output with no matching component on the page
        return {"id": component, "property": prop.split("@")[0]}

    if key.startswith(".."):
        return [one(part) for part in key[2:-2].split("...")]
    return one(key)


def callback_body(app, key: str, values: dict[str, Any], changed: list[str] | None = None):
    """The JSON a browser posts for callback ``key``, with argument values by name.

    A wildcard (ALL) argument takes a list of ``(concrete_id, value)`` pairs.
    """
    entry = app.callback_map[key]
    flat = entry["inputs"] + entry["state"]
    indices = entry["inputs_state_indices"]
    n_inputs = len(entry["inputs"])
    by_position: dict[int, Any] = {}
    for name, position in indices.items():
        spec = flat[position]
        value = values.get(name)
        if spec["id"].startswith("{"):
            by_position[position] = [
                {"id": concrete, "property": spec["property"], "value": v}
                for concrete, v in (value or [])
            ]
        else:
            by_position[position] = {"id": spec["id"], "property": spec["property"], "value": value}
    items = [by_position[i] for i in range(len(flat))]
    if changed is None:
        first = items[0]
        if isinstance(first, list):
            compact = (",", ":")
            changed = (
                [json.dumps(first[0]["id"], separators=compact) + ".n_clicks"] if first else []
            )
        else:
            changed = [f"{first['id']}.{first['property']}"]
    return {
        "output": key,
        "outputs": _outputs(key),
        "inputs": items[:n_inputs],
        "state": items[n_inputs:],
        "changedPropIds": changed,
    }


def post_callback(client: FlaskClient, app, key: str, values: dict[str, Any], **kwargs: Any):
    body = callback_body(app, key, values, **kwargs)
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    return client.post("/_dash-update-component", json=body, headers=headers)
