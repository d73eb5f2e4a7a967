"""Route by route: who reaches which Flask route, share-link pages, and data-free layouts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

import dashapp
from dashapp.services import share_token_for_url
from optunagui.store import accounts
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

PAGES = ["/experiments", "/experiments/{alpha}", "/admin", "/account", "/no/such/page"]
DASH_ENDPOINTS = ["/_dash-layout", "/_dash-dependencies"]
SECRETS = ["Alpha", RUN_NAME, "for the client", "olivia", "Bravo"]


@pytest.mark.parametrize("who", ["anonymous", "share"])
def test_pages_redirect_visitors_without_an_account_to_sign_in(client_for, world, who):
    client = client_for(who)
    for page in PAGES:
        path = page.format(alpha=world.alpha)
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("who", ["olivia", "otto", "vic", "ada"])
def test_pages_open_for_signed_in_users(client_for, world, who):
    client = client_for(who)
    for page in PAGES:
        assert client.get(page.format(alpha=world.alpha)).status_code == 200


def test_root_goes_to_experiments(client_for):
    assert client_for("vic").get("/").headers["Location"] == "/experiments"


def test_dash_endpoints_need_a_user_or_a_share_link(client_for):
    anonymous = client_for("anonymous")
    share = client_for("share")
    for path in DASH_ENDPOINTS:
        assert anonymous.get(path).status_code == 401
        assert share.get(path).status_code == 200
    assert anonymous.post("/_dash-update-component", json={}).status_code == 401


def test_assets_and_login_are_public(client_for):
    client = client_for("anonymous")
    assert client.get("/login").status_code == 200
    assert client.get("/assets/optunagui.css").status_code == 200


@pytest.mark.parametrize("who", ["olivia", "otto", "share"])
def test_pages_hold_no_data(app, world, client_for, who):
    """The index page (whose config carries Dash's validation layout), the layout and every
    page's layout from the router contain no experiment, run or user data."""
    client_for("ada").get(f"/experiments/{world.alpha}")  # an admin loads pages first
    client = client_for(who)
    texts = [client.get("/_dash-layout").get_data(as_text=True)]
    if who != "share":
        texts.append(client.get("/experiments").get_data(as_text=True))
    router = callback_key(app, "_pages_content.children")
    for path in [f"/experiments/{world.alpha}", "/experiments", "/admin", "/account"]:
        response = post_callback(client, app, router, {"pathname_": path, "search_": ""})
        texts.append(response.get_data(as_text=True))
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_share_link_opens_the_shared_view(app, world, client_for):
    client = client_for("share")
    key = callback_key(app, "shared-problem.children")
    response = post_callback(client, app, key, {"poll": None, "token": world.share_url_token})
    text = json.dumps(response.get_json())
    assert "Alpha" in text and RUN_NAME in text
    assert f"/runs/{world.run_id}" in text  # each run opens its page, read-only


def _problem(client, token: str) -> tuple[int, str]:
    response = client.get(f"/s/{token}")
    return response.status_code, response.get_data(as_text=True)


def test_tampered_share_token_gets_a_clear_page(app, world):
    client = app.server.test_client()
    token = world.share_url_token
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in [tampered, "garbage", "x" * 600, token + "x"]:
        status, text = _problem(client, bad)
        assert status == 404
        assert "This link is not valid" in text
        assert "Traceback" not in text


def test_revoked_share_link_gets_a_clear_page_and_stops_callbacks(app, world, database):
    client = app.server.test_client()
    assert client.get(f"/s/{world.share_url_token}").status_code == 200
    with database.session() as session:
        accounts.revoke_share_link(session, world.share_link_id, experiment_id=world.alpha)
    status, text = _problem(client, world.share_url_token)
    assert status == 410 and "This link has been revoked" in text
    key = callback_key(app, "shared-problem.children")
    response = post_callback(client, app, key, {"poll": None, "token": world.share_url_token})
    body = response.get_data(as_text=True)
    assert "revoked" in body and "Alpha" not in body


def test_expired_share_link_gets_a_clear_page(app, world, database):
    with database.session() as session:
        session.execute(
            update(accounts.ShareLink)
            .where(accounts.ShareLink.id == world.share_link_id)
            .values(expires_at=accounts._now() - timedelta(seconds=1))
        )
    status, text = _problem(app.server.test_client(), world.share_url_token)
    assert status == 410 and "This link has expired" in text


def test_share_token_signed_with_another_key_is_not_valid(app, world, database):
    with database.session() as session:
        _link, raw = accounts.create_share_link(session, world.alpha, created_by_id=None)
    with app.server.test_request_context():
        good = share_token_for_url(raw)
        app.server.secret_key = "another-secret-key-entirely-000000"
        forged = share_token_for_url(raw)
    app.server.secret_key = "test-secret-key-0123456789abcdef"
    client = app.server.test_client()
    assert client.get(f"/s/{good}").status_code == 200
    assert _problem(client, forged)[0] == 404


def test_share_visitor_gets_nothing_from_other_callbacks(app, world, client_for):
    client = client_for("share")
    key = callback_key(app, "experiment-denied.children")
    response = post_callback(client, app, key, {"experiment_id": str(world.alpha), "refresh": 0})
    assert "Alpha" not in response.get_data(as_text=True)


def test_no_page_renders_raw_html():
    root = Path(dashapp.__file__).parent
    for path in root.rglob("*.py"):
        assert "dangerously_allow_html" not in path.read_text(), path


def test_responses_carry_security_headers(client_for, world):
    response = client_for("share").get(f"/s/{world.share_url_token}")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_dashboard_does_not_import_ray():
    code = (
        "import sys, dashapp.app\n"
        "loaded = [m for m in sys.modules if m == 'ray' or m.startswith('ray.')]\n"
        "assert not loaded, loaded[:5]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
