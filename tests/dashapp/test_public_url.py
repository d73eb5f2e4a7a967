"""Behind HTTPS and reverse proxies: the public address, trusted proxies, Secure cookies."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from dashapp.app import create_app
from dashapp.throttle import LoginThrottle
from optunagui.config import load_settings
from tests.dashapp.conftest import callback_body, callback_named, sign_in


def _app(settings, database, clock, **changes):
    return create_app(replace(settings, **changes), database=database,
                      throttle=LoginThrottle(clock=clock))


def _share_link(app, world, **headers) -> str:
    client = app.server.test_client()
    assert sign_in(client, "olivia").status_code == 302
    client.get("/experiments")
    key = callback_named(app, "create_link")
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, "label": "client",
              "days": 7}
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    response = client.post("/_dash-update-component", json=callback_body(app, key, values),
                           headers={"X-CSRFToken": cookie.value, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_data(as_text=True).replace("\\u002f", "/")
    found = re.search(r"(https?://[^\"\s]+/s/[A-Za-z0-9._~-]+)", answer)
    assert found, answer
    return found.group(1)


@pytest.mark.parametrize("value, words", [
    ("ftp://tuning.example.com", "http:// or https://"),
    ("tuning.example.com", "http:// or https://"),
    ("https://tuning.example.com/opt gui/", "path prefix must be segments"),
    ("https://tuning.example.com/?a=1", "no query"),
])
def test_public_url_refuses_what_it_cannot_serve(tmp_path, value, words):
    with pytest.raises(ValueError, match="OPTUNAGUI_PUBLIC_URL") as refused:
        load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path), "OPTUNAGUI_PUBLIC_URL": value})
    assert words in str(refused.value)


@pytest.mark.parametrize("value", ["x", "-1", "6", "1.5"])
def test_trusted_proxies_must_be_a_small_count(tmp_path, value):
    with pytest.raises(ValueError, match="OPTUNAGUI_TRUSTED_PROXIES: expected a number"):
        load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path), "OPTUNAGUI_TRUSTED_PROXIES": value})


def test_public_url_and_proxies_are_read(tmp_path):
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path),
                              "OPTUNAGUI_PUBLIC_URL": "https://tuning.example.com:8443/",
                              "OPTUNAGUI_TRUSTED_PROXIES": "1"})
    assert (settings.public_url, settings.trusted_proxies) == (
        "https://tuning.example.com:8443", 1)


def test_share_links_are_built_on_the_public_url(settings, database, clock, world):
    app = _app(settings, database, clock, public_url="https://tuning.example.com")
    link = _share_link(app, world)  # the request came in as http://localhost
    assert link.startswith("https://tuning.example.com/s/")


def test_forwarded_headers_count_only_from_trusted_proxies(settings, database, clock, world):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "proxy.example.org"}
    untrusted = _app(settings, database, clock)
    assert _share_link(untrusted, world, **forwarded).startswith("http://localhost/s/")
    trusted = _app(settings, database, clock, trusted_proxies=1)
    assert _share_link(trusted, world, **forwarded).startswith("https://proxy.example.org/s/")


def _cookie_lines(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookies_are_secure_on_an_https_public_url(settings, database, clock, world):
    app = _app(settings, database, clock, public_url="https://tuning.example.com")
    client = app.server.test_client()
    signed_in = sign_in(client, "olivia")
    page = client.get("/experiments")
    lines = _cookie_lines(signed_in) + _cookie_lines(page)
    names = {line.split("=", 1)[0] for line in lines}
    assert {"optunagui_session", "_csrf_token"} <= names
    assert all("; Secure" in line for line in lines), lines


def test_cookies_are_not_secure_on_plain_http(settings, database, clock, world):
    app = _app(settings, database, clock)
    client = app.server.test_client()
    lines = _cookie_lines(sign_in(client, "olivia")) + _cookie_lines(client.get("/experiments"))
    assert lines and not any("; Secure" in line for line in lines)


def test_a_bad_setting_stops_the_command_line_with_its_message(tmp_path, monkeypatch, capsys):
    from optunagui.cli import main

    monkeypatch.setenv("OPTUNAGUI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPTUNAGUI_TRUSTED_PROXIES", "all of them")
    assert main(["db", "upgrade"]) == 2
    assert "OPTUNAGUI_TRUSTED_PROXIES: expected a number" in capsys.readouterr().err
