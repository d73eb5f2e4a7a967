"""Background jobs of one server: work keyed by what it computes, run in a bounded pool.

Training a model version, re-evaluating configurations, refitting a best trial for feature
impact and computing importance all take seconds to minutes, so a request only starts them
and later polls. :class:`JobRunner` is the one implementation behind all of them: one job per
key at a time, at most ``workers`` running, finished outcomes kept (the oldest dropped past
``max_kept``), a failed job rerun when asked again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

__all__ = ["Job", "JobRunner", "JobStatus", "describe_error"]

T = TypeVar("T")
JobStatus = Literal["running", "done", "failed"]


@dataclass
class Job(Generic[T]):
    """One piece of background work and, once it has ended, its result or its error."""

    key: Hashable
    future: Future[T]
    started: float = field(default_factory=time.monotonic)

    @property
    def running(self) -> bool:
        return not self.future.done()

    @property
    def status(self) -> JobStatus:
        if not self.future.done():
            return "running"
        return "failed" if self.future.exception() is not None else "done"

    @property
    def error(self) -> BaseException | None:
        """The exception the work raised (None while running or when it succeeded)."""
        return self.future.exception() if self.future.done() else None

    def result(self) -> T | None:
        """The work's result (None while running or when it failed)."""
        if not self.future.done() or self.future.exception() is not None:
            return None
        return self.future.result()


class JobRunner(Generic[T]):
    """Keyed background jobs in one thread pool.

    Args:
        name: the prefix of the worker threads' names.
        workers: how many jobs run at once; more wait in the pool's queue.
        max_kept: how many finished jobs are remembered.
    """

    def __init__(self, name: str, *, workers: int = 1, max_kept: int = 64) -> None:
        self.name = name
        self.workers = workers
        self.max_kept = max_kept
        self._jobs: OrderedDict[Hashable, Job[T]] = OrderedDict()
        self._lock = threading.RLock()
        self._executor: ThreadPoolExecutor | None = None

    def get(self, key: Hashable) -> Job[T] | None:
        with self._lock:
            return self._jobs.get(key)

    def jobs(self) -> list[Job[T]]:
        """Every remembered job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def running_count(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.running)

    def start(self, key: Hashable, work: Callable[[], T], *, again: bool = False) -> Job[T]:
        """The job for ``key``: the one running, else the finished one, else a new one.

        A failed job is always started anew; a finished one too when ``again`` is set.
        """
        job = self.start_if_free(key, work, again=again, max_running=None)
        assert job is not None  # no limit, so a job is always given
        return job

    def start_if_free(self, key: Hashable, work: Callable[[], T], *, again: bool = False,
                      max_running: int | None = 1) -> Job[T] | None:
        """As :meth:`start`, but None instead of a new job while ``max_running`` jobs run."""
        with self._lock:
            known = self._jobs.get(key)
            if known is not None and (known.running or (known.status == "done" and not again)):
                return known
            if max_running is not None and self.running_count() >= max_running:
                return None
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix=self.name)
            job: Job[T] = Job(key, self._executor.submit(work))
            self._jobs[key] = job
            self._jobs.move_to_end(key)
            self._drop_old()
            return job

    def _drop_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if not job.running]
        for key in finished[: max(0, len(self._jobs) - self.max_kept)]:
            del self._jobs[key]

    def wait(self, key: Hashable, timeout: float | None = None) -> Job[T] | None:
        """Block until the job for ``key`` has ended (for tests and the command line)."""
        job = self.get(key)
        if job is not None:
            try:
                job.future.result(timeout)
            except Exception:  # noqa: BLE001  (the outcome stays on the job)
                pass
        return job

    def close(self, wait: bool = True) -> None:
        """Stop the worker threads (waiting for running jobs by default)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"JobRunner({self.name!r}, jobs={len(self._jobs)})"


def describe_error(error: BaseException | None, *expected: type[BaseException]) -> str | None:
    """A failed job's message for a page: the product's own errors as they are, others with
    their type name."""
    if error is None:
        return None
    if expected and isinstance(error, expected):
        return str(error)
    return f"{type(error).__name__}: {error}"

