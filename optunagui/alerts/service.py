"""The evaluator's loop inside the server: a pass every few seconds, in a background thread.

A pass that fails (the database briefly away) is logged and tried again at the next tick;
nothing is lost, since the cursors only move with the alerts they produced.
"""

from __future__ import annotations

import logging
import threading
import time

from optunagui.alerts.delivery import deliver_due
from optunagui.alerts.evaluator import AlertEvaluator
from optunagui.store import Database

__all__ = ["AlertLoop", "start_alert_loop"]

logger = logging.getLogger(__name__)


class AlertLoop:
    """Each tick: evaluate the rules, then send the webhook deliveries whose time has come."""

    def __init__(self, db: Database, *, interval_s: float = 0.5,
                 allow_private_webhooks: bool = False, public_url: str | None = None) -> None:
        self.db = db
        self.evaluator = AlertEvaluator(db)
        self.interval_s = interval_s
        self.allow_private_webhooks = allow_private_webhooks
        self.public_url = public_url
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.evaluator.evaluate()
                deliver_due(self.db, allow_private=self.allow_private_webhooks,
                            public_url=self.public_url)
            except Exception:  # noqa: BLE001 - e.g. the database briefly away
                logger.exception("the alert evaluator's pass failed; trying again")
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def start(self) -> AlertLoop:
        self._thread = threading.Thread(target=self.run_forever, name="optunagui-alerts",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def start_alert_loop(db: Database, *, interval_s: float = 0.5,
                     allow_private_webhooks: bool = False, public_url: str | None = None
                     ) -> AlertLoop:
    """Start evaluating alert rules (and sending their webhooks) in the background."""
    return AlertLoop(db, interval_s=interval_s, allow_private_webhooks=allow_private_webhooks,
                     public_url=public_url).start()
