"""The run page's "Next run from history" card over HTTP: an editor sees the suggested ranges
from the runs they may read and a wizard link carrying them; a viewer the table without the
link; an outsider and a share-link visitor nothing, and a run in an experiment the reader holds
no role on is never named."""

from __future__ import annotations

import json
import math
from urllib.parse import parse_qs, urlparse

import numpy as np

from dashapp.pages.new_run.wizard.prefill import decode_prefill
from optunagui.recommend import suggest_for_spec, suggested_space
from optunagui.spec.model import ExperimentSpec
from optunagui.spec.validation import validate_spec
from optunagui.store import create_run, get_run, upsert_trials
from tests.dashapp.conftest import callback_key, iris_spec, post_callback

CARD = "run-next-body.children"


def _finished_run(database, experiment_id: int, user_id: int, name: str) -> int:
    """A finished iris run whose best trials hold C near 1 and class_weight "balanced"."""
    spec = validate_spec(iris_spec(name, n_trials=60)).to_dict()
    rng = np.random.default_rng(0)
    rows = []
    for number in range(60):
        c = float(math.exp(rng.uniform(math.log(0.01), math.log(10.0))))
        weight = [None, "balanced"][number % 2]
        rows.append({"number": number, "state": "complete",
                     "params": {"C": c, "class_weight": weight},
                     "values": [-abs(math.log(c)) + (3.0 if weight else 0.0)]})
    with database.session() as session:
        run = create_run(session, experiment_id, name, spec, created_by=user_id)
        upsert_trials(session, run.id, rows)
        return run.id


def _card(client, app, run_id: int) -> str:
    response = post_callback(client, app, callback_key(app, CARD), {"run_id": str(run_id)})
    return json.dumps(json.loads(response.get_data(as_text=True) or "null"))


def _href(text: str) -> str:
    start = text.index('"href": "') + len('"href": "')
    return text[start:text.index('"', start)]


def test_an_editor_gets_the_ranges_and_a_wizard_link_a_viewer_no_link(app, world, database,
                                                                      client_for):
    run_id = _finished_run(database, world.alpha, world.user_ids["ed"], "alpha finished")
    editor = _card(client_for("ed"), app, run_id)
    assert "run-next-table" in editor and f"from run {run_id}, 60 trials" in editor
    assert "class_weight" in editor and "run-next-open-wizard" in editor
    url = urlparse(_href(editor))
    assert url.path.endswith(f"/experiments/{world.alpha}/new-run")
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["clone"] == str(run_id)
    prefill = decode_prefill(query.get("drop"), query.get("adjust"))
    assert not prefill.problems
    with database.session() as session:
        spec = ExperimentSpec.model_validate(get_run(session, run_id).spec)
        expected = suggested_space(suggest_for_spec(session, spec, world.user_ids["ed"]))
    assert "C" in expected and prefill.adjust == expected
    assert prefill.adjust["C"]["type"] == "float" and prefill.adjust["C"]["high"] < 10.0
    viewer = _card(client_for("vic"), app, run_id)
    assert "run-next-table" in viewer and "run-next-open-wizard" not in viewer
    assert "new-run?" not in viewer


def test_an_outsider_and_a_link_visitor_get_nothing(app, world, database, client_for):
    secret = _finished_run(database, world.bravo, world.user_ids["otto"], "bravo-secret-run")
    alpha = _finished_run(database, world.alpha, world.user_ids["ed"], "alpha finished")
    # ed reads Alpha only: Bravo's earlier run is never a source.
    editor = _card(client_for("ed"), app, alpha)
    assert f"run {secret}" not in editor and f"runs {secret}" not in editor
    assert "bravo-secret-run" not in editor
    outsider = _card(client_for("otto"), app, alpha)
    assert "run-next-table" not in outsider and "alpha finished" not in outsider
    assert "new-run" not in outsider
    visitor = _card(client_for("share"), app, alpha)
    assert "run-next-table" not in visitor and "new-run" not in visitor
    assert "signed-in members" in visitor
