"""Checks shared by the session tests: a clock the test moves, and whether a client is
signed in (a page and a callback both answer)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.dashapp.conftest import callback_key, post_callback


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def reaches_callbacks(app, client) -> bool:
    key = callback_key(app, "experiments-table.children")
    return post_callback(client, app, key, {"search": ""}).status_code == 200


def signed_in(app, client) -> bool:
    page = client.get("/experiments")
    assert page.status_code in (200, 302)
    return page.status_code == 200 and reaches_callbacks(app, client)
