"""The experiment page's "Closest earlier runs" card over HTTP: each run with the earlier run
most like it among those the reader may read; nothing for an outsider or a link visitor."""

from __future__ import annotations

import json

from tests.dashapp.conftest import callback_key, post_callback
from tests.dashapp.test_run_similar_card import _run

CARD = "experiment-similar-body.children"


def _card(client, app, experiment_id: int) -> str:
    response = post_callback(client, app, callback_key(app, CARD),
                             {"experiment_id": str(experiment_id)})
    return json.dumps(json.loads(response.get_data(as_text=True) or "null"))


def test_the_card_pairs_runs_with_their_closest_readable_earlier_run(app, world, database,
                                                                      client_for):
    bravo_run = _run(database, world.bravo, world.user_ids["otto"], "bravo-secret-run")
    first = _run(database, world.alpha, world.user_ids["ed"], "alpha first")
    second = _run(database, world.alpha, world.user_ids["ed"], "alpha second")
    text = _card(client_for("vic"), app, world.alpha)
    assert "experiment-similar-table" in text
    assert f"run {second}: alpha second" in text and f"run {first}: alpha first" in text
    assert "(near-duplicate)" in text and "none earlier" in text
    assert "bravo-secret-run" not in text and f"/runs/{bravo_run}" not in text
    assert "bravo-secret-run" in _card(client_for("ada"), app, world.alpha)
    outsider = _card(client_for("otto"), app, world.alpha)
    assert "alpha first" not in outsider and "experiment-similar-table" not in outsider
    visitor = _card(client_for("share"), app, world.alpha)
    assert "alpha first" not in visitor
