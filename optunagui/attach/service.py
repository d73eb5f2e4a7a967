"""The follower loop: every attached study still followed is polled every few seconds.

It runs inside `optunagui serve` (a background thread) and as `optunagui follow` beside a
server started with ``--no-follower``. After each poll it logs an attached study whose spec
asks for a tracker (MLflow, W&B) there. Two loops on one database are safe (the cursor's
version check lets one write each change). A storage that cannot be read is retried with a
growing pause (up to a minute), without holding up the other studies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from optunagui import store
from optunagui.attach.follower import PollOutcome, poll_run
from optunagui.attach.readers import ReaderCache
from optunagui.background import PeriodicLoop
from optunagui.store import Database
from optunagui.tracking import sync_run, tracks_anything

__all__ = ["FollowerLoop"]

logger = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0


class FollowerLoop(PeriodicLoop):
    thread_name = "optunagui-follower"
    failure = "the follower's pass failed; trying again"

    def __init__(self, db: Database, *, interval_s: float = 2.0,
                 after_poll: Callable[[int, PollOutcome], None] | None = None) -> None:
        super().__init__(interval_s)
        self.db = db
        self.after_poll = after_poll
        self.readers = ReaderCache()
        self._retry_at: dict[int, tuple[float, float]] = {}

    def poll_all(self) -> dict[int, PollOutcome]:
        """One pass over the followed studies (those not waiting out a failure)."""
        with self.db.session() as session:
            run_ids = [row.run_id for row in store.list_followed(session)]
            tracked = {run_id for run_id in run_ids
                       if tracks_anything(dict(getattr(store.get_run(session, run_id),
                                                       "spec", None) or {}))}
        outcomes = {}
        now = time.monotonic()
        for run_id in run_ids:
            retry_at, pause = self._retry_at.get(run_id, (0.0, 0.0))
            if now < retry_at:
                continue
            try:
                outcome = poll_run(self.db, run_id, self.readers)
            except Exception:  # noqa: BLE001 - one study's trouble must not stop the others
                logger.exception("run %s: the follower's poll failed", run_id)
                outcome = PollOutcome(error="the poll failed")
            if outcome.error:
                pause = min(MAX_BACKOFF_S, max(self.interval_s, pause * 2))
                self._retry_at[run_id] = (time.monotonic() + pause, pause)
            else:
                self._retry_at.pop(run_id, None)
            if run_id in tracked:
                self._sync_trackers(run_id)
            if self.after_poll is not None:
                self.after_poll(run_id, outcome)
            outcomes[run_id] = outcome
        return outcomes

    def _sync_trackers(self, run_id: int) -> None:
        """Log what was mirrored to the run's trackers (MLflow, W&B); a tracker that fails
        records its warning and backs off by itself."""
        try:
            sync_run(self.db, run_id)
        except Exception:  # noqa: BLE001 - a tracker must never stop the follower
            logger.exception("run %s: the tracker sync failed", run_id)

    def tick(self) -> None:
        self.poll_all()

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.readers.close()
