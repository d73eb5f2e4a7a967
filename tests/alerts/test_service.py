"""The evaluator in the background, and two evaluators at once on one database."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from optunagui.alerts import AlertEvaluator, start_alert_loop
from optunagui.store.alerts import Alert

from .helpers import completed, rule

THRESHOLD = {"metric": "roc_auc", "op": ">", "value": 0.5}


def _alerts(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Alert)) or 0


def test_the_background_loop_fires_with_nobody_asking(db, owner, experiment, run):
    rule(db, experiment, owner, "metric_threshold", THRESHOLD)
    loop = start_alert_loop(db, interval_s=0.05)
    try:
        completed(db, run, 0, roc_auc=0.9)
        deadline = time.monotonic() + 10
        while _alerts(db) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.stop()
    assert _alerts(db) == 1


def test_two_evaluators_at_once_fire_each_trigger_once(db, owner, experiment, run):
    rule(db, experiment, owner, "metric_threshold", THRESHOLD)
    for n in range(30):
        completed(db, run, n, roc_auc=0.9)
    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            for _ in range(3):
                AlertEvaluator(db, batch=7).evaluate()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert _alerts(db) == 30
