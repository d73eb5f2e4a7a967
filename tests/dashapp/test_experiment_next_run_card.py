"""The experiment page's "Next run from history" card over HTTP: an editor sees the suggestions
for the latest built-in run with a wizard link cloning it; a viewer no link; an outsider and a
share-link visitor nothing, never the name of a run they may not read."""

from __future__ import annotations

import json

from tests.dashapp.conftest import callback_key, post_callback
from tests.dashapp.test_run_next_run_card import _finished_run

CARD = "experiment-next-body.children"


def _card(client, app, experiment_id: int) -> str:
    response = post_callback(client, app, callback_key(app, CARD),
                             {"experiment_id": str(experiment_id)})
    return json.dumps(json.loads(response.get_data(as_text=True) or "null"))


def test_the_latest_run_gets_suggestions_and_editors_the_link(app, world, database, client_for):
    latest = _finished_run(database, world.alpha, world.user_ids["ed"], "alpha latest")
    editor = _card(client_for("ed"), app, world.alpha)
    assert f"run {latest}: alpha latest" in editor and "run-next-table" in editor
    assert f"new-run?clone={latest}" in editor and "run-next-open-wizard" in editor
    viewer = _card(client_for("vic"), app, world.alpha)
    assert "run-next-table" in viewer and "run-next-open-wizard" not in viewer


def test_an_outsider_and_a_link_visitor_get_nothing(app, world, database, client_for):
    _finished_run(database, world.alpha, world.user_ids["ed"], "alpha latest")
    for who in ("otto", "share"):
        text = _card(client_for(who), app, world.alpha)
        assert "alpha latest" not in text and "run-next-table" not in text
        assert "new-run" not in text
