"""A pass repeated every few seconds in a background thread of the server (the follower of
attached studies, the alert evaluator): a pass that fails is logged and tried again at the next
tick, and stopping waits for the pass under way."""

from __future__ import annotations

import logging
import threading
import time
from typing import Self

__all__ = ["PeriodicLoop"]

logger = logging.getLogger(__name__)


class PeriodicLoop:
    """Calls ``tick()`` every ``interval_s`` seconds (less the pass's own time) until stopped."""

    thread_name = "optunagui-loop"
    failure = "the background pass failed; trying again"

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def run_forever(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - e.g. the database briefly away
                logger.exception(self.failure)
            self._stop.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.run_forever, name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
