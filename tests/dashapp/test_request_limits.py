"""The server reads no request body larger than an upload at the limit, and compresses what it
sends to a browser that accepts it."""

from __future__ import annotations

import pytest

from dashapp.app import create_app, max_request_bytes
from dashapp.auth import CSRF_COOKIE, CSRF_HEADER
from dashapp.throttle import LoginThrottle
from optunagui.store import accounts
from tests.dashapp.conftest import sign_in

MEGABYTE = 1024 * 1024


@pytest.fixture
def small_upload_app(monkeypatch, settings, database, clock):
    monkeypatch.setenv("OPTUNAGUI_MAX_UPLOAD_MB", "1")
    return create_app(settings, database=database, throttle=LoginThrottle(clock=clock))


def test_max_request_bytes_follows_the_upload_limit(monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_MAX_UPLOAD_MB", "3")
    assert max_request_bytes() == 3 * MEGABYTE * 4 // 3 + MEGABYTE


def test_a_callback_body_over_the_limit_is_refused_before_it_is_parsed(
    small_upload_app, world
):
    client = small_upload_app.server.test_client()
    assert sign_in(client, "olivia").status_code == 302
    client.get("/experiments")
    csrf = client.get_cookie(CSRF_COOKIE)
    body = b'{"output": "x", "inputs": [], "padding": "' + b"a" * (3 * MEGABYTE) + b'"}'
    response = client.post("/_dash-update-component", data=body,
                           content_type="application/json",
                           headers={CSRF_HEADER: csrf.value if csrf else ""})
    assert response.status_code == 413
    assert "OPTUNAGUI_MAX_UPLOAD_MB" in response.get_data(as_text=True)


def test_an_api_body_over_the_limit_is_answered_in_json(small_upload_app, world, database):
    with database.session() as session:
        _info, token = accounts.create_api_token(session, world.user_ids["olivia"], label="t")
    client = small_upload_app.server.test_client()
    body = b"{" + b" " * (3 * MEGABYTE) + b"}"
    response = client.post(f"/api/v1/experiments/{world.alpha}/datasets", data=body,
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    assert "larger than the server accepts" in response.get_json()["error"]


def test_a_body_under_the_limit_still_reaches_the_callback(small_upload_app, world):
    client = small_upload_app.server.test_client()
    assert sign_in(client, "olivia").status_code == 302
    client.get("/experiments")
    body = b'{"output": "x", "inputs": [], "padding": "' + b"a" * (MEGABYTE // 2) + b'"}'
    response = client.post("/_dash-update-component", data=body,
                           content_type="application/json")
    assert response.status_code != 413


def test_scripts_are_sent_compressed_to_a_browser_that_accepts_it(app, world):
    client = app.server.test_client()
    assert sign_in(client, "olivia").status_code == 302
    page = client.get("/experiments")
    script = next(part.split('"')[0] for part in page.get_data(as_text=True).split('src="')[1:]
                  if "_dash-component-suites" in part)
    plain = client.get(script)
    packed = client.get(script, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert packed.headers.get("Content-Encoding") == "gzip"
    assert len(packed.data) < len(plain.data) / 2
