"""Slows down repeated failed sign-ins from one client.

After ``free_failures`` failures inside ``window`` seconds, each further attempt must wait a
delay that doubles with every failure (capped at ``max_delay``); attempts made during the wait
are refused without checking the password. Kept in memory: one server process serves the app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoginThrottle"]


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        *,
        free_failures: int = 5,
        window: float = 900.0,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.free_failures = free_failures
        self.window = window
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.clock = clock
        self.max_clients = max_clients
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """How long ``client`` must wait before its next attempt is checked (0: go ahead)."""
        with self._lock:
            record = self._records.get(client)
            if record is None:
                return 0.0
            return max(0.0, record.blocked_until - self.clock())

    def record_failure(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if client not in self._records and len(self._records) >= self.max_clients:
                self._forget_oldest()
            record = self._records.setdefault(client, _Record())
            record.failures = [t for t in record.failures if now - t < self.window]
            record.failures.append(now)
            extra = len(record.failures) - self.free_failures
            if extra >= 0:
                delay = min(self.max_delay, self.base_delay * (2**extra))
                record.blocked_until = now + delay

    def record_success(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)

    def _forget_oldest(self) -> None:
        oldest = min(
            self._records,
            key=lambda key: self._records[key].failures[-1] if self._records[key].failures else 0,
        )
        self._records.pop(oldest, None)
