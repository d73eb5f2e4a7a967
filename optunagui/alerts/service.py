"""The evaluator's loop inside the server: a pass every few seconds, in a background thread.

A pass that fails (the database briefly away) is logged and tried again at the next tick;
nothing is lost, since the cursors only move with the alerts they produced.
"""

from __future__ import annotations

from optunagui.alerts.delivery import deliver_due
from optunagui.alerts.evaluator import AlertEvaluator
from optunagui.background import PeriodicLoop
from optunagui.store import Database

__all__ = ["AlertLoop", "start_alert_loop"]


class AlertLoop(PeriodicLoop):
    """Each tick: evaluate the rules, then send the webhook deliveries whose time has come."""

    thread_name = "optunagui-alerts"
    failure = "the alert evaluator's pass failed; trying again"

    def __init__(self, db: Database, *, interval_s: float = 0.5,
                 allow_private_webhooks: bool = False, public_url: str | None = None) -> None:
        super().__init__(interval_s)
        self.db = db
        self.evaluator = AlertEvaluator(db)
        self.allow_private_webhooks = allow_private_webhooks
        self.public_url = public_url

    def tick(self) -> None:
        self.evaluator.evaluate()
        deliver_due(self.db, allow_private=self.allow_private_webhooks,
                    public_url=self.public_url)


def start_alert_loop(db: Database, *, interval_s: float = 0.5,
                     allow_private_webhooks: bool = False, public_url: str | None = None
                     ) -> AlertLoop:
    """Start evaluating alert rules (and sending their webhooks) in the background."""
    return AlertLoop(db, interval_s=interval_s, allow_private_webhooks=allow_private_webhooks,
                     public_url=public_url).start()
