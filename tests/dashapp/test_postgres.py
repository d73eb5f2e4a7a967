"""The team pages on PostgreSQL: the same callbacks, on the shared database teams use."""

from __future__ import annotations

import pytest

from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def database(db):
    return db


def _text(app, client, fragment, values):
    response = post_callback(client, app, callback_key(app, fragment), values)
    assert response.status_code == 200
    return response.get_data(as_text=True).replace("\\u002f", "/")


def test_team_pages_work_on_postgresql(app, world, client_for):
    owner = client_for("olivia")
    alpha = {"experiment_id": str(world.alpha), "refresh": 0}
    assert "Alpha" in _text(app, owner, "experiments-table.children", {"search": "alp"})
    overview = _text(app, owner, "experiment-denied.children", alpha)
    assert RUN_NAME in overview and "1 / 1 / 0" in overview
    assert "vic" in _text(app, owner, "experiment-members.children", alpha)
    created = _text(app, owner, "experiment-share-new.children", {**alpha, "clicks": 1, "days": 3})
    assert "/s/" in created
    assert "Alpha" not in _text(app, client_for("otto"), "experiment-denied.children", alpha)
    shared = _text(
        app, client_for("share"), "shared-problem.children", {"token": world.share_url_token}
    )
    assert "Alpha" in shared
