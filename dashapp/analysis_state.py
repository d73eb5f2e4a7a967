"""The analysis caches of one app: run frames (reloaded only when a run's trials change),
importance results (kept under the data directory, computed in the background) and the feature
impact of runs' best trials (in memory, computed in the background)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from dashapp.state import state
from optunagui.analysis import (
    FeatureImpactError,
    FeatureImpactRecord,
    FrameCache,
    ImportanceCache,
    cache_for,
)
from optunagui.jobs import JobRunner

if TYPE_CHECKING:
    from flask import Flask

    from optunagui.analysis import TrialFrame

__all__ = ["AnalysisState", "FeatureImpactCache", "analysis_state", "load_run_frame"]

FEATURE_IMPACT_ENTRIES = 16
log = logging.getLogger(__name__)

FeatureKey = tuple[int, int]  # (run id, best trial number)
FeatureOutcome = FeatureImpactRecord | str  # the record, or why there is none


class FeatureImpactCache:
    """Feature impact per (run, best trial), computed one at a time in a background thread.

    A failure is kept as its message, so a run whose model cannot be explained says why
    instead of being refitted on every poll. The jobs run on an ``optunagui.jobs.JobRunner``
    that keeps the newest ``max_entries`` of them (the oldest finished ones are dropped when a
    new one starts).
    """

    def __init__(self, max_entries: int = FEATURE_IMPACT_ENTRIES) -> None:
        self.max_entries = max_entries
        self._jobs: JobRunner[FeatureOutcome] = JobRunner("feature-impact",
                                                          max_kept=max_entries)

    def get(self, key: FeatureKey) -> FeatureOutcome | None:
        job = self._jobs.get(key)
        return job.result() if job is not None else None

    def latest(self, run_id: int) -> FeatureImpactRecord | None:
        """The newest record of the run, whichever trial it explains."""
        for job in reversed(self._jobs.jobs()):
            run, _trial = cast(FeatureKey, job.key)
            outcome = job.result()
            if run == run_id and isinstance(outcome, FeatureImpactRecord):
                return outcome
        return None

    def request(self, key: FeatureKey, compute: Callable[[], FeatureImpactRecord]
                ) -> FeatureOutcome | None:
        """The outcome when there is one; else None, with ``compute`` started in the
        background (once per key)."""
        known = self._jobs.get(key)
        if known is not None and known.status == "done":
            return known.result()
        self._jobs.start(key, partial(_explain, key, compute))
        return None

    def pending(self, key: FeatureKey) -> Future[FeatureOutcome] | None:
        job = self._jobs.get(key)
        return job.future if job is not None and job.running else None

    def close(self) -> None:
        """Wait for the background computation and stop the worker thread."""
        self._jobs.close()


def _explain(key: FeatureKey, compute: Callable[[], FeatureImpactRecord]) -> FeatureOutcome:
    try:
        return compute()
    except FeatureImpactError as error:
        return str(error)
    except Exception as error:  # kept as a message: the page shows it, the app goes on
        log.exception("feature impact of run %s, trial %s failed", *key)
        return f"Feature impact failed: {type(error).__name__}: {error}"


@dataclass
class AnalysisState:
    frames: FrameCache
    importance: ImportanceCache
    features: FeatureImpactCache = field(default_factory=FeatureImpactCache)

    @classmethod
    def for_data_dir(cls, data_dir: Path | str) -> AnalysisState:
        """Empty caches; importance results are kept under ``data_dir``."""
        return cls(FrameCache(), cache_for(data_dir))


def analysis_state(server: Flask | None = None) -> AnalysisState:
    """The caches of ``server``, by default of the app serving the current request."""
    return state(server).analysis


def load_run_frame(run_id: int) -> TrialFrame:
    """The run's trials as a frame, from the cache when the run has not changed."""
    with state().database.session() as session:
        return analysis_state().frames.get(session, run_id)
