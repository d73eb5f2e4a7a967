"""A run launched through the API with the client really runs (a local Ray driver) and its
result reads back: status, events by cursor, the best trial."""

from __future__ import annotations

import time

import pytest

from optunagui.status import TERMINAL_RUN_STATUSES
from tests.dashapp.test_api_client import client_of, server_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.ray

SPEC = {
    "name": "iris through the API",
    "dataset": {"builtin": "iris"},
    "model": "logistic_regression",
    "metrics": [{"name": "accuracy"}],
    "split": {"method": "stratified_kfold", "folds": 2},
    "sampler": {"name": "random", "seed": 0},
    "budget": {"n_trials": 2, "max_concurrent": 1},
}


def test_a_run_launched_by_the_client_finishes_and_reads_back(client_of, world,  # noqa: F811
                                                              monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    client = client_of("ed")
    run = client.launch(world.alpha, SPEC)
    assert run["start_error"] is None
    deadline = time.monotonic() + 300
    summary = client.run(run["id"])
    while summary["status"] not in TERMINAL_RUN_STATUSES and time.monotonic() < deadline:
        time.sleep(2)
        summary = client.run(run["id"])
    assert summary["status"] == "completed", summary
    assert summary["trials"]["complete"] == 2
    kinds = {event["kind"] for event in client.iter_events(run["id"])}
    assert "completed" in kinds
    assert 0 <= client.best(run["id"])["metrics"]["accuracy"] <= 1
