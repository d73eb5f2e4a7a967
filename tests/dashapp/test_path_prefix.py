"""Serving under a path prefix (the path of OPTUNAGUI_PUBLIC_URL): the path function, and the
server mounted under /optunagui behind a proxy that forwards the full path."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from flask import Flask

from dashapp.app import create_app
from dashapp.paths import app_path, mount_under_prefix, path_prefix_of
from dashapp.throttle import LoginThrottle
from optunagui.config import load_settings
from optunagui.store import accounts
from optunagui.store import users as user_store
from tests.dashapp.conftest import PASSWORD, callback_body, callback_named, csrf_from_form

PREFIX = "/optunagui"
PUBLIC_URL = "https://example.org/optunagui"


def _server(prefix: str) -> Flask:
    server = Flask(__name__)
    mount_under_prefix(server, prefix)
    return server


@pytest.mark.parametrize("public_url, prefix", [
    (None, ""),
    ("https://tuning.example.com", ""),
    ("https://example.org/optunagui", "/optunagui"),
    ("http://10.0.0.5:8080/team/tuning", "/team/tuning"),
])
def test_path_prefix_of_is_the_public_urls_path(public_url, prefix):
    assert path_prefix_of(public_url) == prefix


def test_app_path_puts_the_prefix_in_front():
    with _server(PREFIX).app_context():
        assert app_path("/runs/3?tab=trials") == "/optunagui/runs/3?tab=trials"
        assert app_path("/") == "/optunagui/"
    with _server("").app_context():
        assert app_path("/runs/3") == "/runs/3"
    assert app_path("/runs/3") == "/runs/3"  # outside an app: no prefix


@pytest.mark.parametrize("path", ["runs/3", "//evil.example/runs", ""])
def test_app_path_refuses_what_is_not_a_path_of_the_app(path):
    with _server(PREFIX).app_context(), pytest.raises(ValueError, match="starting with one '/'"):
        app_path(path)


def test_a_public_url_with_a_path_is_read_as_the_prefix(tmp_path):
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path),
                              "OPTUNAGUI_PUBLIC_URL": "https://example.org/optunagui/"})
    assert settings.public_url == PUBLIC_URL
    assert path_prefix_of(settings.public_url) == PREFIX


@pytest.mark.parametrize("value", ["https://example.org/opt una", "https://example.org/a/../b",
                                   "https://example.org/a//b", "https://example.org/%2e%2e"])
def test_a_prefix_that_is_not_plain_segments_is_refused(tmp_path, value):
    with pytest.raises(ValueError, match="OPTUNAGUI_PUBLIC_URL=.*path prefix must be segments"):
        load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path), "OPTUNAGUI_PUBLIC_URL": value})


@pytest.fixture
def prefixed(settings, database, clock, world):
    return create_app(replace(settings, public_url=PUBLIC_URL), database=database,
                      throttle=LoginThrottle(clock=clock))


def _sign_in(client, name: str = "olivia", next_target: str = ""):
    page = client.get(PREFIX + "/login")
    assert page.status_code == 200
    return client.post(PREFIX + "/login", data={
        "username": name, "password": PASSWORD, "next": next_target,
        "csrf_token": csrf_from_form(page.get_data(as_text=True))})


def test_sign_in_and_its_redirects_stay_under_the_prefix(prefixed):
    client = prefixed.server.test_client()
    unsigned = client.get(PREFIX + "/experiments")
    assert unsigned.status_code == 302
    assert unsigned.location == PREFIX + "/login?next=%2Fexperiments"
    page = client.get(PREFIX + "/login").get_data(as_text=True)
    assert f'action="{PREFIX}/login"' in page
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert stylesheets and all(href.startswith(PREFIX + "/assets/") for href in stylesheets)
    assert client.get(stylesheets[0]).status_code == 200
    signed_in = _sign_in(client, next_target="/runs/1")
    assert signed_in.status_code == 302 and signed_in.location == PREFIX + "/runs/1"
    assert "Path=/optunagui" in signed_in.headers["Set-Cookie"]
    assert client.get(PREFIX + "/").location == PREFIX + "/experiments"
    logout_page = client.get(PREFIX + "/logout").get_data(as_text=True)
    assert f'action="{PREFIX}/logout"' in logout_page
    signed_out = client.post(PREFIX + "/logout",
                             data={"csrf_token": csrf_from_form(logout_page)})
    assert signed_out.location == PREFIX + "/login"


def test_nothing_is_served_outside_the_prefix(prefixed):
    client = prefixed.server.test_client()
    assert _sign_in(client).status_code == 302
    for path in ("/experiments", "/login", "/api/v1/experiments", "/_dash-layout"):
        assert client.get(path).status_code == 404, path


def test_a_temporary_password_leads_to_the_form_under_the_prefix(prefixed, world, database,
                                                                  password_hash):
    with database.session() as session:
        user_store.set_password(session, world.user_ids["vic"], password_hash, must_change=True)
    client = prefixed.server.test_client()
    form = _sign_in(client, "vic").get_data(as_text=True)
    assert f'action="{PREFIX}/login/password"' in form
    changed = client.post(PREFIX + "/login/password", data={
        "new_password": "a new one, long enough", "repeat_password": "a new one, long enough",
        "csrf_token": csrf_from_form(form)})
    assert changed.status_code == 302 and changed.location == PREFIX + "/experiments"


def test_the_dash_page_asks_for_everything_under_the_prefix(prefixed):
    client = prefixed.server.test_client()
    _sign_in(client)
    page = client.get(PREFIX + "/experiments").get_data(as_text=True)
    config = json.loads(re.search(r'id="_dash-config" type="application/json">(.*?)</script>',
                                  page).group(1))
    assert config["requests_pathname_prefix"] == PREFIX + "/"
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources and all(src.startswith(PREFIX + "/") for src in sources)
    assert client.get(sources[0]).status_code == 200
    layout = client.get(PREFIX + "/_dash-layout").get_data(as_text=True).replace("\\u002f", "/")
    links = re.findall(r'"(?:href|action)":\s*"([^"]*)"', layout)
    assert {PREFIX + "/experiments", PREFIX + "/account", PREFIX + "/logout"} <= set(links)
    assert all(link.startswith(PREFIX + "/") for link in links), links


def test_callbacks_and_share_links_write_the_prefix(prefixed, world):
    client = prefixed.server.test_client()
    _sign_in(client)
    client.get(PREFIX + "/experiments")
    csrf = client.get_cookie("_csrf_token", path=PREFIX)
    assert csrf is not None
    headers = {"X-CSRFToken": csrf.value}
    listing = client.post(PREFIX + "/_dash-update-component", headers=headers, json=callback_body(
        prefixed, callback_named(prefixed, "show_experiments"), {"refresh": 0, "search": ""}))
    assert listing.status_code == 200, listing.get_data(as_text=True)
    listed = listing.get_data(as_text=True).replace("\\u002f", "/")
    assert f'"href":"{PREFIX}/experiments/{world.alpha}"' in listed
    made = client.post(PREFIX + "/_dash-update-component", headers=headers, json=callback_body(
        prefixed, callback_named(prefixed, "create_link"),
        {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, "label": "client",
         "days": 7}))
    answer = made.get_data(as_text=True).replace("\\u002f", "/")
    assert re.search(r"https://example\.org/optunagui/s/[A-Za-z0-9._~-]+", answer), answer


def test_the_api_answers_under_the_prefix_with_prefixed_urls(prefixed, world, database):
    with database.session() as session:
        _info, raw = accounts.create_api_token(session, world.user_ids["olivia"], label="t",
                                               scope="read")
    client = prefixed.server.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    listing = client.get(PREFIX + "/api/v1/experiments", headers=headers)
    assert listing.status_code == 200, listing.get_data(as_text=True)
    urls = {entry["url"] for entry in listing.get_json()["experiments"]}
    assert f"{PREFIX}/experiments/{world.alpha}" in urls
    runs = client.get(PREFIX + "/api/v1/runs", headers=headers).get_json()["runs"]
    assert {run["url"] for run in runs} == {f"{PREFIX}/runs/{world.run_id}"}
    document = client.get(PREFIX + "/api/v1/openapi.json").get_json()
    assert document["servers"] == [{"url": PREFIX}]
    assert client.get(PREFIX + "/api/v1/docs").status_code == 200
    assert client.get("/api/v1/experiments", headers=headers).status_code == 404


def test_without_a_prefix_nothing_moves(app, world):
    client = app.server.test_client()
    assert client.get("/experiments").location == "/login?next=%2Fexperiments"
    assert "servers" not in client.get("/api/v1/openapi.json").get_json()
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/login"' in page and 'href="/assets/optunagui.css"' in page
