"""The run page's "Similar runs" card over HTTP: a reader sees the earlier runs of the
experiments they may read, with links and best results; a run in an experiment they hold no
role on is never named; an outsider and a share-link visitor get no list."""

from __future__ import annotations

import json

from optunagui.spec.validation import validate_spec
from optunagui.store import create_run, upsert_trials
from tests.dashapp.conftest import callback_key, iris_spec, post_callback

CARD = "run-similar-body.children"
SPEC = validate_spec(iris_spec("iris again", n_trials=5)).to_dict()


def _run(database, experiment_id: int, user_id: int, name: str, n: int = 3) -> int:
    with database.session() as session:
        run = create_run(session, experiment_id, name, SPEC, created_by=user_id)
        upsert_trials(session, run.id, [
            {"number": i, "state": "complete", "params": {"C": 1.0 + i}, "values": [0.8 + i / 100]}
            for i in range(n)])
        return run.id


def _card(client, app, run_id: int) -> str:
    """The card's answer as text, its JSON escapes undone."""
    response = post_callback(client, app, callback_key(app, CARD), {"run_id": str(run_id)})
    return json.dumps(json.loads(response.get_data(as_text=True) or "null"))


def test_the_card_lists_earlier_runs_the_reader_may_read(app, world, database, client_for):
    bravo_run = _run(database, world.bravo, world.user_ids["otto"], "bravo-secret-run")
    twin = _run(database, world.alpha, world.user_ids["ed"], "alpha twin", n=4)
    target = _run(database, world.alpha, world.user_ids["ed"], "alpha target")
    text = _card(client_for("vic"), app, target)
    assert "run-similar-table" in text and f"run {twin}: alpha twin" in text
    assert f'"/runs/{twin}"' in text and "accuracy 0.83" in text and "near-duplicate" in text
    assert "bravo-secret-run" not in text and f"/runs/{bravo_run}" not in text
    admin = _card(client_for("ada"), app, target)
    assert "bravo-secret-run" in admin and "alpha twin" in admin
    # The first run has nothing earlier to compare with.
    assert "No earlier run you may read" in _card(client_for("vic"), app, twin)


def test_the_card_tells_an_outsider_and_a_link_visitor_nothing(app, world, database, client_for):
    twin = _run(database, world.alpha, world.user_ids["ed"], "alpha twin")
    target = _run(database, world.alpha, world.user_ids["ed"], "alpha target")
    outsider = _card(client_for("otto"), app, target)
    assert "alpha twin" not in outsider and "run-similar-table" not in outsider
    visitor = _card(client_for("share"), app, target)
    assert "alpha twin" not in visitor and f"/runs/{twin}" not in visitor
    assert "signed-in members" in visitor
