"""The driver's tracker writer: `optunagui.tracking.sync_run` in a background thread.

It reads the run's events from the database every `interval_s`, at a low CPU priority, so
trials and the Tune loop never wait for MLflow or W&B. A tracker that fails is retried with
backoff (kept in the database); `finish` runs the last passes once the run has its final
status, for at most `catch_up_s`, and leaves the warning on the run page if the tracker
still does not answer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from optunagui.tracking import sync_run

if TYPE_CHECKING:
    from optunagui.store import Database

__all__ = ["SYNC_INTERVAL_S", "TrackerThread"]

logger = logging.getLogger(__name__)

SYNC_INTERVAL_S = 2.0
CATCH_UP_S = 30.0
LOW_PRIORITY = 10


def _lower_priority() -> None:
    """Let the trials and Tune's loop have the CPU first (Linux: a thread's own nice value)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)
    except (AttributeError, OSError):
        pass


class TrackerThread:
    """Syncs one run's trackers while the run goes on, and once more at its end."""

    def __init__(self, db: Database, run_id: int, *, interval_s: float = SYNC_INTERVAL_S,
                 catch_up_s: float = CATCH_UP_S) -> None:
        self.db = db
        self.run_id = run_id
        self.interval_s = interval_s
        self.catch_up_s = catch_up_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"tracking-run-{run_id}",
                                        daemon=True)

    def start(self) -> TrackerThread:
        self._thread.start()
        return self

    def _pass(self, *, force: bool = False) -> bool:
        try:
            return sync_run(self.db, self.run_id, force=force).ok
        except Exception:  # the product's database itself failing: try again next time
            logger.exception("run %s: tracker sync failed", self.run_id)
            return False

    def _loop(self) -> None:
        _lower_priority()
        while not self._stop.wait(self.interval_s):
            self._pass()

    def finish(self) -> bool:
        """Stop the thread, then sync what is left (the run's final status included); True
        when every tracker took everything."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.catch_up_s)
        if self._thread.is_alive():  # a tracker call still hangs: never two passes at once
            logger.warning("run %s: a tracker call still hangs; the last events wait for the "
                           "next sync", self.run_id)
            return False
        deadline = time.monotonic() + self.catch_up_s
        done = self._pass(force=True)
        while not done and time.monotonic() < deadline:
            time.sleep(min(self.interval_s, max(0.0, deadline - time.monotonic())))
            done = self._pass()
        if not done:
            logger.warning("run %s: trackers not up to date at the end; the run page says so",
                           self.run_id)
        return done
