"""The analysis and compare pages on PostgreSQL, the shared database teams use."""

from __future__ import annotations

import json

import pytest

from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import callback_key, post_callback

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

FOLDS = [0.0, -0.01, 0.005, -0.004, 0.002]


@pytest.fixture
def database(db):
    return db


def _body(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def test_analysis_and_compare_pages_work_on_postgresql(app, world, database, client_for):
    ed = world.user_ids["ed"]
    base = write_run(database, world.alpha, "baseline", ed, seed=1, folds=FOLDS)
    tuned = write_run(database, world.alpha, "tuned", ed, seed=2, shift=0.05,
                      folds=[f + 0.001 * i for i, f in enumerate(FOLDS)])
    client = client_for("vic")
    values = {"run_id": str(tuned), "tab": "diagnosis", "objective": "accuracy"}
    body = _body(post_callback(client, app, callback_key(app, "analysis-convergence-graph"),
                               values))
    verdict = body["analysis-pruning-verdict"]["children"]
    assert verdict == "No trial was pruned: every trial ran all its steps."
    assert body["analysis-workers-verdict"]["children"]
    body = _body(post_callback(client, app, callback_key(app, "compare-problem.children"),
                               {"runs": f"{base},{tuned}"}))
    stats = json.dumps(body["compare-stats-table"]["children"])
    assert f"#{tuned} tuned beats #{base} baseline" in stats
    wall = json.dumps(body["compare-table"]["children"])
    assert "Wall time" in wall and "6.6 min" in wall  # 39 starts 10 s apart, then 8 s
