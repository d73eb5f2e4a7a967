"""Re-evaluating the compared runs' best configurations over several seeds, off the request path.

A re-evaluation trains every best configuration ``n_seeds x folds`` times: seconds to minutes.
The compare page's callback only starts it here, in a background thread, and the page polls
for the result. Results are kept per app, keyed by the runs, their best trials and the number
of seeds, so the same request is answered from memory; at most ``MAX_RUNNING`` run at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dash import html
from flask import current_app

from dashapp import components, services
from dashapp.pages.compare.views import read_run, run_label, stats_table
from dashapp.permissions import parse_id
from optunagui.analysis.reevaluate import (
    ConfigurationToCheck,
    Reevaluation,
    check_seed_count,
    compare_reevaluated,
    reevaluate,
)

__all__ = ["MAX_RUNNING", "Job", "JobKey", "JobRequest", "ReevaluationCache", "job_for",
           "reevaluation_cache", "reevaluation_view", "start_job"]

EXTENSION_KEY = "optunagui.compare.reevaluate"
MAX_RUNNING = 1
MAX_KEPT = 16

JobKey = tuple[tuple[int, ...], tuple[int, ...], int]  # run ids, their best trials, seeds


@dataclass(frozen=True)
class JobRequest:
    """What the page keeps in the browser to poll for a job: the runs (added baselines first),
    the pinned baselines among them, the one the tests compare against, and the seeds."""

    run_ids: tuple[int, ...]
    baselines: tuple[int, ...]
    reference: int | None
    n_seeds: int

    def to_data(self) -> dict[str, Any]:
        return {"runs": list(self.run_ids), "baselines": list(self.baselines),
                "reference": self.reference, "seeds": self.n_seeds}

    @classmethod
    def from_data(cls, data: Any, max_runs: int) -> JobRequest | None:
        """The request as the browser sent it back, or None when its shape is wrong (the
        caller still checks that the user may read every run)."""
        if not isinstance(data, dict):
            return None
        runs, pinned = data.get("runs"), data.get("baselines") or []
        if not isinstance(runs, list) or not isinstance(pinned, list) or len(runs) > max_runs:
            return None
        run_ids = [parse_id(run_id) for run_id in runs]
        baselines = [parse_id(run_id) for run_id in pinned]
        n_seeds, _ = check_seed_count(data.get("seeds"))
        reference = parse_id(data.get("reference"))
        checked = [run_id for run_id in run_ids if run_id is not None]
        kept = [run_id for run_id in baselines if run_id is not None]
        if (n_seeds is None or len(checked) < len(run_ids) or len(kept) < len(baselines)
                or not set(kept) <= set(checked)
                or (reference is not None and reference not in kept)):
            return None
        return cls(tuple(checked), tuple(kept), reference, n_seeds)


@dataclass
class Job:
    """One re-evaluation: ``running`` until ``result`` (or ``error``) is set."""

    key: JobKey
    started: float = field(default_factory=time.monotonic)
    result: Reevaluation | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.done.is_set()


class ReevaluationCache:
    """Jobs by key: finished ones kept (the oldest dropped past ``max_kept``), running ones
    limited to ``max_running``."""

    def __init__(self, max_running: int = MAX_RUNNING, max_kept: int = MAX_KEPT) -> None:
        self._jobs: OrderedDict[JobKey, Job] = OrderedDict()
        self._lock = threading.Lock()
        self.max_running = max_running
        self.max_kept = max_kept

    def get(self, key: JobKey) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: JobKey, work: Callable[[], Reevaluation]) -> tuple[Job | None, str | None]:
        """The job for ``key``: the known one, or a new one running ``work`` in a thread.

        Returns:
            (job, None), or (None, why) when too many re-evaluations are running already.
        """
        with self._lock:
            known = self._jobs.get(key)
            if known is not None and known.error is None:
                return known, None
            running = sum(1 for job in self._jobs.values() if job.running)
            if running >= self.max_running:
                return None, ("Another re-evaluation is running on this server: try again "
                              "when it has finished.")
            job = Job(key)
            self._jobs[key] = job
            self._drop_old()
        threading.Thread(target=self._run, args=(job, work), daemon=True,
                         name=f"reevaluate-{'-'.join(map(str, key[0]))}").start()
        return job, None

    def _run(self, job: Job, work: Callable[[], Reevaluation]) -> None:
        try:
            job.result = work()
        except Exception as error:  # shown to the user; the thread must not die silently
            job.error = f"{type(error).__name__}: {error}"
        finally:
            job.done.set()

    def _drop_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if not job.running]
        for key in finished[: max(0, len(self._jobs) - self.max_kept)]:
            del self._jobs[key]


def reevaluation_cache() -> ReevaluationCache:
    """The current app's cache, made on first use."""
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        found = current_app.extensions.setdefault(EXTENSION_KEY, ReevaluationCache())
    return found


def _configuration(run_id: int, is_baseline: bool) -> tuple[ConfigurationToCheck, int] | None:
    found = read_run(run_id)
    if found is None:
        return None
    name, spec, frame = found
    best = frame.best_index(0)
    params = frame.best_params(0) if best is not None else {}
    number = int(frame.number[best]) if best is not None else -1
    return ConfigurationToCheck(run_label(run_id, name, is_baseline), spec, params), number


def job_for(run_ids: tuple[int, ...], baselines: tuple[int, ...],
            n_seeds: int) -> tuple[JobKey, dict[int, ConfigurationToCheck]]:
    """The key and the best configurations of readable runs, by run id, in the order given
    (the first one's split is shared by all)."""
    found = [(run_id, _configuration(run_id, run_id in baselines)) for run_id in run_ids]
    kept = sorted((run_id, item) for run_id, item in found if item is not None)
    key = (tuple(run_id for run_id, _ in kept), tuple(item[1] for _, item in kept), n_seeds)
    return key, {run_id: item[0] for run_id, item in found if item is not None}


def start_job(key: JobKey,
              configurations: dict[int, ConfigurationToCheck]) -> tuple[Job | None, str | None]:
    settings = services.state().settings
    ordered = list(configurations.values())
    return reevaluation_cache().start(
        key, lambda: reevaluate(ordered, key[2], settings=settings))


def _seconds(value: float) -> str:
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.1f} s"


def reevaluation_view(job: Job, baseline: str | None) -> Any:
    """Where the job stands, or its pooled statistics with the runs that were left out."""
    if job.running:
        waited = _seconds(time.monotonic() - job.started)
        return components.message(f"Re-evaluating… ({waited} so far)", "info",
                                  id="compare-reevaluate-pending")
    if job.error is not None or job.result is None:
        return components.message(f"The re-evaluation failed: {job.error}", "danger",
                                  id="compare-reevaluate-failed")
    result = job.result
    parts: list[Any] = [_label(result)]
    parts += [components.message(f"{label} was not re-evaluated: {why}.", "warning")
              for label, why in result.refused.items()]
    comparisons = tuple(compare_reevaluated(result, baseline=baseline))
    if comparisons:
        parts.append(stats_table(comparisons))
    else:
        parts.append(components.message(
            "Fewer than two runs could be re-evaluated together: nothing to compare.", "info"))
    return parts


def _label(result: Reevaluation) -> Any:
    return html.P(
        f"Re-evaluated over {result.n_seeds} seeds × {result.folds_per_seed} folds "
        f"({result.n_pairs} paired {result.metric} scores per run) in "
        f"{_seconds(result.seconds)}.", className="mb-2", id="compare-reevaluate-label")
