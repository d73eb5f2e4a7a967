"""Earlier runs stored in the database, with planted trials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optunagui.spec.space import space_from_dict
from optunagui.spec.validation import validate_spec
from optunagui.store import Database, create_run, upsert_trials
from tests.recommend.planted import sample


def draft(dataset: dict[str, Any], model: str = "random_forest", **extra: Any):
    return validate_spec({"name": "draft", "dataset": dataset, "model": model,
                          "metrics": [{"name": "accuracy"}], **extra})


def peak_at_04(params: dict[str, Any]) -> float:
    return -(params["max_features"] - 0.4) ** 2


def store_run(db: Database, experiment_id: int, user_id: int, dataset: dict[str, Any],
              score: Callable[[dict[str, Any]], float] = peak_at_04, *, n: int = 40,
              seed: int = 0, model: str = "random_forest", **extra: Any) -> int:
    """A finished run of ``model`` on ``dataset`` with ``n`` complete trials (and two failed)."""
    spec = draft(dataset, model, **extra).to_dict()
    space = space_from_dict(spec["space"])
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for number in range(n):
        params = sample(space, rng)
        rows.append({"number": number, "state": "complete", "params": params,
                     "values": [score(params)]})
    rows += [{"number": n + i, "state": "failed", "params": {"max_features": 0.99}}
             for i in range(2)]
    with db.session() as session:
        run = create_run(session, experiment_id, f"run on {dataset}", spec, created_by=user_id)
        upsert_trials(session, run.id, rows)
        return run.id
