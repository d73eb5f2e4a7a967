"""The alert loops inside the server, each a background thread: one evaluates the rules every
half second, the other sends the deliveries whose time has come (webhooks, email), so a slow
receiver never delays the evaluation.

A pass that fails (the database briefly away) is logged and tried again at the next tick;
nothing is lost, since the cursors only move with the alerts they produced and a delivery stays
pending until it is answered.
"""

from __future__ import annotations

from typing import Self

from optunagui.alerts.channels import Channels
from optunagui.alerts.delivery import deliver_due
from optunagui.alerts.evaluator import AlertEvaluator
from optunagui.background import PeriodicLoop
from optunagui.store import Database

__all__ = ["AlertLoop", "DeliveryLoop", "start_alert_loop"]


class DeliveryLoop(PeriodicLoop):
    """Each tick: send the webhook and email deliveries whose time has come."""

    thread_name = "optunagui-alert-deliveries"
    failure = "sending alert deliveries failed; trying again"

    def __init__(self, db: Database, channels: Channels, *, interval_s: float = 0.5,
                 public_url: str | None = None) -> None:
        super().__init__(interval_s)
        self.db, self.channels, self.public_url = db, channels, public_url

    def tick(self) -> None:
        deliver_due(self.db, self.channels, public_url=self.public_url)


class AlertLoop(PeriodicLoop):
    """Each tick: evaluate the rules. Starting and stopping it does the same to its
    delivery loop."""

    thread_name = "optunagui-alerts"
    failure = "the alert evaluator's pass failed; trying again"

    def __init__(self, db: Database, *, interval_s: float = 0.5,
                 channels: Channels | None = None, public_url: str | None = None) -> None:
        super().__init__(interval_s)
        self.db = db
        self.evaluator = AlertEvaluator(db)
        self.deliveries = DeliveryLoop(db, channels or Channels(), interval_s=interval_s,
                                       public_url=public_url)

    def tick(self) -> None:
        self.evaluator.evaluate()

    def start(self) -> Self:
        self.deliveries.start()
        return super().start()

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.deliveries.stop(timeout)


def start_alert_loop(db: Database, *, interval_s: float = 0.5,
                     channels: Channels | None = None, public_url: str | None = None
                     ) -> AlertLoop:
    """Start evaluating alert rules and sending their deliveries in the background."""
    return AlertLoop(db, interval_s=interval_s, channels=channels,
                     public_url=public_url).start()
