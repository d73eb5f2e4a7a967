"""The analysis caches of one app: run frames (reloaded only when a run's trials change),
importance results (kept under the data directory, computed in the background) and the feature
impact of runs' best trials (in memory, computed in the background)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

from dashapp import services
from optunagui.analysis import (
    FeatureImpactError,
    FeatureImpactRecord,
    FrameCache,
    ImportanceCache,
    cache_for,
)

if TYPE_CHECKING:
    from flask import Flask

    from optunagui.analysis import TrialFrame

__all__ = ["AnalysisState", "FeatureImpactCache", "analysis_state", "load_run_frame"]

EXTENSION_KEY = "optunagui.analysis"
FEATURE_IMPACT_ENTRIES = 16
log = logging.getLogger(__name__)

FeatureKey = tuple[int, int]  # (run id, best trial number)
FeatureOutcome = FeatureImpactRecord | str  # the record, or why there is none


class FeatureImpactCache:
    """Feature impact per (run, best trial), computed one at a time in a background thread.

    A failure is kept as its message, so a run whose model cannot be explained says why
    instead of being refitted on every poll. The newest ``max_entries`` outcomes are kept.
    """

    def __init__(self, max_entries: int = FEATURE_IMPACT_ENTRIES) -> None:
        self.max_entries = max_entries
        self._done: OrderedDict[FeatureKey, FeatureOutcome] = OrderedDict()
        self._pending: dict[FeatureKey, Future[FeatureOutcome]] = {}
        self._lock = threading.RLock()
        self._executor: ThreadPoolExecutor | None = None

    def get(self, key: FeatureKey) -> FeatureOutcome | None:
        with self._lock:
            return self._done.get(key)

    def latest(self, run_id: int) -> FeatureImpactRecord | None:
        """The newest record of the run, whichever trial it explains."""
        with self._lock:
            for (run, _trial), outcome in reversed(self._done.items()):
                if run == run_id and isinstance(outcome, FeatureImpactRecord):
                    return outcome
        return None

    def request(self, key: FeatureKey, compute: Callable[[], FeatureImpactRecord]
                ) -> FeatureOutcome | None:
        """The outcome when there is one; else None, with ``compute`` started in the
        background (once per key)."""
        with self._lock:
            if key in self._done:
                return self._done[key]
            if key not in self._pending:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(1, thread_name_prefix="feature-impact")
                future = self._executor.submit(self._run, key, compute)
                self._pending[key] = future
        return None

    def _run(self, key: FeatureKey, compute: Callable[[], FeatureImpactRecord]
             ) -> FeatureOutcome:
        outcome: FeatureOutcome
        try:
            outcome = compute()
        except FeatureImpactError as error:
            outcome = str(error)
        except Exception as error:  # kept as a message: the page shows it, the app goes on
            log.exception("feature impact of run %s, trial %s failed", *key)
            outcome = f"Feature impact failed: {type(error).__name__}: {error}"
        with self._lock:
            self._done[key] = outcome
            self._done.move_to_end(key)
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)
            self._pending.pop(key, None)
        return outcome

    def pending(self, key: FeatureKey) -> Future[FeatureOutcome] | None:
        with self._lock:
            return self._pending.get(key)

    def close(self) -> None:
        """Wait for the background computation and stop the worker thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


@dataclass
class AnalysisState:
    frames: FrameCache
    importance: ImportanceCache
    features: FeatureImpactCache = field(default_factory=FeatureImpactCache)


def analysis_state(server: Flask | None = None) -> AnalysisState:
    """The app's caches, made on first use."""
    app = server if server is not None else current_app
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        settings = app.extensions[services.EXTENSION_KEY].settings
        found = AnalysisState(FrameCache(), cache_for(settings.data_dir))
        app.extensions[EXTENSION_KEY] = found
    return found


def load_run_frame(run_id: int) -> TrialFrame:
    """The run's trials as a frame, from the cache when the run has not changed."""
    with services.database().session() as session:
        return analysis_state().frames.get(session, run_id)
