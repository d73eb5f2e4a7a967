"""The event sink: a Tune callback that writes every trial event into the product's tables.

Events and trial rows are buffered and written in batches (one transaction per flush, at
most every `FLUSH_INTERVAL_S` seconds, and at the end of the experiment):

- ``started``: Tune trial id, Optuna trial number, params (and the attempt on a retry);
- ``result``: each step's metrics, with the worker node; the first one also gives the device
  and the GPU ids Ray assigned;
- ``completed`` / ``pruned``: the final metrics; a trial that ended before its final report
  (stopped by ASHA, the median rule, or a stop request) is pruned, never complete;
- ``failed``: the error's message and traceback (a retried failure says so and the trial
  stays running).

A trial that evaluates one of the spec's warm-start configurations carries ``warm_start`` (its
index in the spec) in its row's user attrs from its start on.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ray.tune import Callback, Stopper
from sqlalchemy.exc import SQLAlchemyError

from cluster.driver.context import get_context
from cluster.driver.keys import (
    CUDA_DEVICES_KEY,
    DEVICE_KEY,
    FINAL_KEY,
    FIT_TIME_KEY,
    FOLD_SCORES_KEY,
    GPU_IDS_KEY,
    NODE_KEY,
    NUMBER_KEY,
    PARAMS_KEY,
    STEP_KEY,
    USER_ATTRS_KEY,
    trial_params,
)
from cluster.driver.workers import WorkerNames
from optunagui import store
from optunagui.store.errors import StoreError

if TYPE_CHECKING:
    from ray.tune.experiment import Trial

__all__ = ["FLUSH_INTERVAL_S", "EventSink", "error_text", "step_metrics"]

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.5
MAX_BUFFERED = 2000
_NOT_METRICS = frozenset(
    {
        STEP_KEY,
        FINAL_KEY,
        DEVICE_KEY,
        GPU_IDS_KEY,
        CUDA_DEVICES_KEY,
        NODE_KEY,
        FIT_TIME_KEY,
        "done",
        "training_iteration",
        "time_this_iter_s",
        "time_total_s",
        "time_since_restore",
        "iterations_since_restore",
        "timestamp",
        "pid",
        "hostname",
        "node_ip",
        "trial_id",
        "date",
        "experiment_tag",
        "checkpoint_dir_name",
        "should_checkpoint",
    }
)


def step_metrics(result: Mapping[str, Any]) -> dict[str, float | None]:
    """The objective's metrics in a Tune result (Tune's own bookkeeping left out; a value
    that is not finite becomes None)."""
    metrics: dict[str, float | None] = {}
    for key, value in result.items():
        if key in _NOT_METRICS or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        metrics[key] = float(value) if math.isfinite(value) else None
    return metrics


def _completed_attrs(final: Mapping[str, Any], metrics: Mapping[str, Any],
                     device: str | None) -> dict[str, Any]:
    """What a completed trial keeps beside its values: every final metric (fit time included)
    and the per-fold scores the statistical comparison of runs pairs up."""
    try:
        fold_scores = json.loads(final.get(FOLD_SCORES_KEY) or "{}")
    except (TypeError, ValueError):
        fold_scores = {}
    attrs: dict[str, Any] = {
        "metrics": {**metrics, FIT_TIME_KEY: final.get(FIT_TIME_KEY)},
        "fold_scores": fold_scores,
    }
    if device is not None:
        attrs["device"] = device
    user = _json_object(final.get(USER_ATTRS_KEY))
    if user:
        attrs["user"] = user
    return attrs


def _json_object(text: Any) -> dict[str, Any] | None:
    """A JSON object sent as text in a result (a code trial's params or user attrs)."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def error_text(trial: Trial) -> tuple[str, str]:
    """The (message, traceback) of a trial's latest failure, from Tune's error file."""
    path = trial.error_file
    text = ""
    if path and Path(path).exists():
        text = _ANSI.sub("", Path(path).read_text(errors="replace"))
        marker = text.rfind("Failure # ")
        if marker >= 0:  # the latest failure, without its "Failure # n (occurred at)" line
            text = text[marker:].partition("\n")[2]
    lines = [line for line in text.strip().splitlines() if line.strip()]
    message = lines[-1].strip() if lines else "the trial failed without an error message"
    return message, text.strip()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _now() -> datetime:
    return datetime.now(UTC)


class EventSink(Callback):
    """Buffers trial events and trial rows, and writes them in batches.

    Holds only the run id (Tune pickles its callbacks); the database, the searcher and the
    run's requests come from the run's live context, where the sink puts itself when Tune
    sets it up (so the driver can write what is left after a failure).
    """

    def __init__(self, run_id: int, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.run_id = run_id
        self.flush_interval_s = flush_interval_s
        self._reset()

    def _reset(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._rows: list[dict[str, Any]] = []
        self._started: dict[int, float] = {}
        self._placed: set[int] = set()
        self._devices: dict[int, str] = {}
        self._final: dict[int, dict[str, Any]] = {}
        self._done: set[int] = set()
        self._workers = WorkerNames()
        self._last_flush = time.monotonic()
        self._finished_since_flush = False
        self._unwritten = False  # the last flush could not write: its batch is kept

    def __getstate__(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "flush_interval_s": self.flush_interval_s}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    # -- Tune hooks -------------------------------------------------------------------------

    def setup(
        self,
        stop: Stopper | None = None,
        num_samples: int | None = None,
        total_num_samples: int | None = None,
        **info: Any,
    ) -> None:
        context = get_context(self.run_id)
        if context is not None:
            context.sink = self

    def on_trial_start(self, iteration: int, trials: list, trial: Trial, **info: Any) -> None:
        number = self._number(trial)
        if number is None:
            return
        attempt = trial.num_failures + 1
        self._started[number] = time.monotonic()
        params = trial_params(trial.config)
        detail: dict[str, Any] = {"tune_trial_id": trial.trial_id, "params": params}
        if attempt > 1:
            detail["attempt"] = attempt
        self._events.append({"kind": "started", "trial_number": number, "metrics": detail})
        self._rows.append(
            {
                "number": number,
                "tune_trial_id": trial.trial_id,
                "state": "running",
                "params": params,
                "started_at": _now(),
                **({"user_attrs": marks} if (marks := self._warm_start(trial)) else {}),
            }
        )

    def on_trial_result(
        self, iteration: int, trials: list, trial: Trial, result: dict, **info: Any
    ) -> None:
        number = self._number(trial)
        if number is None:
            return
        worker = self._workers.name(number, result)
        if result.get(FINAL_KEY):
            self._final[number] = dict(result)
        else:
            self._events.append(
                {
                    "kind": "result",
                    "trial_number": number,
                    "step": result.get(STEP_KEY),
                    "metrics": step_metrics(result),
                    "worker": worker,
                }
            )
        row: dict[str, Any] = {"number": number, "last_step": result.get(STEP_KEY)}
        code_params = _json_object(result.get(PARAMS_KEY))
        if code_params is not None:
            row["params"] = code_params
        if DEVICE_KEY in result and number not in self._placed:
            self._placed.add(number)
            gpu_ids = [g for g in str(result.get(GPU_IDS_KEY) or "").split(",") if g]
            self._devices[number] = str(result[DEVICE_KEY])
            row.update(worker=worker, gpu_ids=gpu_ids,
                       user_attrs={"device": result[DEVICE_KEY], **self._warm_start(trial)})
        self._rows.append(row)
        self._maybe_flush()

    def on_trial_complete(self, iteration: int, trials: list, trial: Trial, **info: Any) -> None:
        number = self._number(trial)
        if number is None:
            return
        final = self._final.pop(number, None)
        last = final or dict(trial.last_result or {})
        metrics: dict[str, Any] = step_metrics(last)
        names = self._metric_names()
        values: list[float | None] | None
        attrs = None
        if final is not None:
            state, kind = "complete", "completed"
            values = [metrics.get(name) for name in names]
            attrs = _completed_attrs(final, metrics, self._devices.get(number))
        else:
            state, kind = "pruned", "pruned"
            values = [metrics.get(name) for name in names[:1]] if len(names) == 1 else None
            metrics = {**metrics, "pruned_by": self._pruned_by()}
        self._finish(trial, number, state, kind, last, metrics, values, user_attrs=attrs)

    def on_trial_recover(self, iteration: int, trials: list, trial: Trial, **info: Any) -> None:
        number = self._number(trial)
        if number is None:
            return
        message, traceback = error_text(trial)
        self._events.append(
            {
                "kind": "failed",
                "trial_number": number,
                "metrics": {
                    "message": message,
                    "traceback": traceback,
                    "retrying": True,
                    "attempt": trial.num_failures,
                },
            }
        )

    def on_trial_error(self, iteration: int, trials: list, trial: Trial, **info: Any) -> None:
        number = self._number(trial)
        if number is None:
            return
        message, traceback = error_text(trial)
        self._final.pop(number, None)
        detail = {"message": message, "traceback": traceback, "attempts": trial.num_failures}
        self._finish(trial, number, "failed", "failed", dict(trial.last_result or {}), detail,
                     None, error=traceback or message)

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        self._maybe_flush()

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        """Close the trials Tune ended without telling anyone.

        A stop request or the run's time budget makes Tune mark every live trial terminated
        directly, with no completion callback and nothing told to the searcher; such a trial
        is recorded as pruned (by "stop") here, in our tables and in the study.
        """
        context = get_context(self.run_id)
        searcher = context.searcher if context else None
        for trial in trials:
            number = self._number(trial)
            if number is None or number in self._done or trial.status == "ERROR":
                continue
            still_open = searcher.is_open(trial.trial_id) if searcher else number in self._started
            if not still_open:  # e.g. finished in an earlier session of a resumed run
                continue
            if searcher is not None:
                searcher.on_trial_complete(trial.trial_id, result=dict(trial.last_result or {}))
            if number not in self._started:  # suggested, never started
                params = trial_params(trial.config)
                self._rows.append({"number": number, "tune_trial_id": trial.trial_id,
                                   "params": params})
            self._final.pop(number, None)
            self.on_trial_complete(0, trials, trial)
        self.flush()

    # -- writing ----------------------------------------------------------------------------

    def _finish(
        self,
        trial: Trial,
        number: int,
        state: str,
        kind: str,
        last: Mapping[str, Any],
        metrics: dict[str, Any],
        values: list[float | None] | None,
        error: str | None = None,
        user_attrs: dict[str, Any] | None = None,
    ) -> None:
        self._done.add(number)
        device = self._devices.pop(number, None)
        started = self._started.pop(number, None)
        duration = time.monotonic() - started if started is not None else None
        step = last.get(STEP_KEY)
        worker = self._workers.name(number, last)
        self._workers.forget(number)
        self._events.append(
            {
                "kind": kind,
                "trial_number": number,
                "step": step,
                "metrics": metrics,
                "worker": worker,
            }
        )
        row: dict[str, Any] = {
            "number": number,
            "tune_trial_id": trial.trial_id,
            "state": state,
            "values": values,
            "finished_at": _now(),
            "duration_s": duration,
            "last_step": step,
        }
        if error is not None:
            row["error"] = error
        marks = self._warm_start(trial)
        if marks:  # a pruned or failed trial keeps its device beside the mark
            user_attrs = {**(user_attrs or ({"device": device} if device else {})), **marks}
        if user_attrs is not None:
            row["user_attrs"] = user_attrs
        self._rows.append(row)
        self._finished_since_flush = True
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        due = time.monotonic() - self._last_flush >= self.flush_interval_s
        full = len(self._events) + len(self._rows) >= MAX_BUFFERED
        if due or (full and not self._unwritten):  # while the database is away: when due
            self.flush()

    def flush(self) -> bool:
        """Write what is buffered in one transaction; True once nothing is left unwritten.

        A write the database refuses (server away, disk full) keeps the batch, in order,
        ahead of what comes next: it is written by a later flush, once the database answers.
        """
        self._last_flush = time.monotonic()
        if not self._events and not self._rows:
            return True
        context = get_context(self.run_id)
        if context is None:
            logger.warning("run %s: no live context; %d events dropped", self.run_id,
                           len(self._events))
            return False
        events, rows = self._events, self._rows
        self._events, self._rows = [], []
        try:
            with context.db.session() as session:
                if rows:
                    store.upsert_trials(session, self.run_id, rows)
                if events:
                    store.append_events(session, self.run_id, events)
                if self._finished_since_flush:
                    store.refresh_run_best(session, self.run_id)
        except (StoreError, SQLAlchemyError) as error:
            self._events, self._rows = events + self._events, rows + self._rows
            if not self._unwritten:
                logger.warning("run %s: events kept until the database answers again: %s",
                               self.run_id, error)
            self._unwritten = True
            return False
        if self._unwritten:
            logger.warning("run %s: the database answers again; %d kept events written",
                           self.run_id, len(events))
        self._unwritten = False
        self._finished_since_flush = False
        return True

    # -- lookups ----------------------------------------------------------------------------

    def _number(self, trial: Trial) -> int | None:
        number = trial.config.get(NUMBER_KEY)
        return int(number) if number is not None else None

    def _warm_start(self, trial: Trial) -> dict[str, Any]:
        """``{"warm_start": index}`` for a trial of a warm-start configuration, else empty."""
        context = get_context(self.run_id)
        searcher = context.searcher if context else None
        index = searcher.warm_start_index(trial.trial_id) if searcher is not None else None
        return {} if index is None else {"warm_start": index}

    def _pruned_by(self) -> str:
        """Who ended a trial before its final report: a stop request, or the run's pruner."""
        context = get_context(self.run_id)
        if context is None or context.searcher is None:
            return "scheduler"
        return "stop" if context.state.stop_requested else context.searcher.pruner_name

    def _metric_names(self) -> list[str]:
        context = get_context(self.run_id)
        searcher = context.searcher if context else None
        if searcher is None:
            return []
        metric = searcher.metric
        return list(metric) if isinstance(metric, list) else [metric]
