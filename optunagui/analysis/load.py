"""Reading a run for analysis straight from the product's tables, in bulk and by column.

`load_frame` reads a run's trials with one SQLAlchemy Core query (JSON as text decoded in one
`json.loads`, timestamps turned into POSIX seconds by the database) and builds a `TrialFrame`
with the run's space and metrics. 100,000 trials load in about a second. `FrameCache` keeps
frames per run and reloads one only when a cheap aggregate over its trials has changed.

Intermediate values come from the run's "result" events; the metric is extracted by the
database (JSON path), and only the steps asked for are read.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Float, Text, cast, extract, func, select
from sqlalchemy.orm import Session

from optunagui.analysis.efficiency import (
    Intermediate,
    intermediate_from_arrays,
    pruning_steps,
)
from optunagui.analysis.frame import LazyAttrs, TrialFrame, build_frame_from_columns
from optunagui.store.tables import Run, Trial, TrialEvent

__all__ = [
    "FrameCache",
    "load_final_metrics",
    "load_frame",
    "load_intermediate",
    "load_pruning_values",
    "run_space",
]

_T = Trial.__table__
_E = TrialEvent.__table__


def _epoch(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff"
        whole = cast(func.strftime("%s", column), Float)
        return whole + cast(func.substr(column, 20), Float)
    return cast(extract("epoch", column), Float)


def run_space(spec: Mapping[str, Any], current: Mapping[str, Any] | None = None
              ) -> tuple[dict[str, Any], list[Any]]:
    """(space, metrics) of a run: the model's preset with the spec's ranges on top, then the
    run's live ranges (`Run.current_space`) when it has them."""
    from optunagui.search_space import resolve_space, space_from_dict
    from optunagui.spec import ExperimentSpec

    data = dict(spec or {})
    try:
        space: dict[str, Any] = dict(resolve_space(ExperimentSpec.model_validate(data)))
    except Exception:  # noqa: BLE001 - an unknown model/preset: fall back to the written space
        try:
            space = dict(space_from_dict(data.get("space") or {}))
        except Exception:  # noqa: BLE001 - an unreadable space: type parameters from values
            space = {}
    if current:
        try:
            space.update(space_from_dict(current))
        except Exception:  # noqa: BLE001 - keep the spec's ranges
            pass
    return space, list(data.get("metrics") or [])


def load_frame(session: Session, run_id: int, *, attrs: bool = True,
               spec: Mapping[str, Any] | None = None) -> TrialFrame:
    """A run's trials as a `TrialFrame`.

    Args:
        attrs: read the user attributes too (kept as text, decoded per trial when used).
        spec: the run's spec; read from the run when not given.

    Raises:
        LookupError: no such run.
    """
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"run {run_id} not found")
    space, metrics = run_space(spec if spec is not None else run.spec, run.current_space)
    columns = [_T.c.number, _T.c.state, cast(_T.c["values"], Text), cast(_T.c.params, Text),
               _epoch(session, _T.c.started_at), _epoch(session, _T.c.finished_at),
               _T.c.duration_s, _T.c.last_step, _T.c.worker]
    if attrs:
        columns.append(cast(_T.c.user_attrs, Text))
    query = select(*columns).where(_T.c.run_id == run_id).order_by(_T.c.number)
    # Hundreds of thousands of acyclic objects: the cycle collector would only slow this down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _frame_from_rows(session.execute(query).all(), attrs, space, metrics)
    finally:
        if collecting:
            gc.enable()


def _frame_from_rows(rows: Sequence[Any], attrs: bool, space: Mapping[str, Any],
                     metrics: Sequence[Any]) -> TrialFrame:
    width = 10 if attrs else 9
    cols = list(zip(*rows, strict=True)) if rows else [()] * width
    n = len(rows)
    decoded = json.loads("[" + ",".join(t or "null" for t in (*cols[2], *cols[3])) + "]")
    data: dict[str, Sequence[Any]] = {
        "number": cols[0], "state": cols[1], "values": decoded[:n], "params": decoded[n:],
        "started_at": np.array(cols[4], dtype=float), "finished_at": np.array(cols[5], dtype=float),
        "duration_s": cols[6], "last_step": cols[7], "worker": cols[8],
        "user_attrs": LazyAttrs(cols[9]) if attrs else (None,) * n,
    }
    return build_frame_from_columns(data, space, metrics)


def load_final_metrics(session: Session, run_id: int,
                       numbers: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """The metrics of each trial's "completed" event (secondary metrics included), by number."""
    query = select(_E.c.trial_number, cast(_E.c.metrics, Text)).where(
        _E.c.run_id == run_id, _E.c.kind == "completed")
    if numbers is not None:
        query = query.where(_E.c.trial_number.in_([int(n) for n in numbers]))
    found: dict[int, dict[str, Any]] = {}
    for number, text in session.execute(query.order_by(_E.c.id)):
        if number is not None and text:
            found[int(number)] = json.loads(text) or {}
    return found


def load_intermediate(session: Session, run_id: int, frame: TrialFrame, *,
                      metric: str | None = None, steps: Iterable[int] | None = None,
                      numbers: Iterable[int] | None = None) -> Intermediate:
    """Reported values of one metric (default: the first objective) from "result" events.

    Args:
        steps: read only these steps (e.g. the steps pruning acted at); default every step.
        numbers: read only these trials; default every trial.
    """
    metric = metric or frame.metric_names[0]
    value = TrialEvent.metrics[metric].as_float()
    query = select(_E.c.trial_number, _E.c.step, value).where(
        _E.c.run_id == run_id, _E.c.kind == "result", _E.c.step.is_not(None),
        _E.c.trial_number.is_not(None), value.is_not(None))
    if steps is not None:
        query = query.where(_E.c.step.in_(sorted({int(s) for s in steps})))
    if numbers is not None:
        query = query.where(_E.c.trial_number.in_(sorted({int(n) for n in numbers})))
    rows = session.execute(query.order_by(_E.c.id)).all()  # a repeated step: the last wins
    if not rows:
        return intermediate_from_arrays(frame, np.empty(0, np.int64), np.empty(0, np.int64),
                                        np.empty(0))
    numbers, step_col, values = zip(*rows, strict=True)
    return intermediate_from_arrays(
        frame, np.asarray(numbers, dtype=np.int64), np.asarray(step_col, dtype=np.int64),
        np.array(values, dtype=float))


def load_pruning_values(session: Session, run_id: int, frame: TrialFrame, *,
                        objective: int | str = 0, max_trials: int = 5_000,
                        seed: int = 0) -> Intermediate:
    """What `compute_pruning` needs and no more: the objective's values at the steps pruning
    acted at, for at most `max_trials` complete trials (a seeded random sample)."""
    k = frame.objective_index(objective)
    complete = frame.complete(k)
    if complete.size > max_trials:
        complete = np.sort(np.random.default_rng(seed).choice(complete, max_trials,
                                                              replace=False))
    steps = pruning_steps(frame, objective=k)
    if not steps:
        return intermediate_from_arrays(frame, np.empty(0, np.int64), np.empty(0, np.int64),
                                        np.empty(0))
    return load_intermediate(session, run_id, frame, metric=frame.metric_names[k], steps=steps,
                             numbers=frame.number[complete].tolist())


class FrameCache:
    """Frames per run, reloaded only when the run's trials have changed.

    The check is one aggregate query (count, states, steps, finish times) over the run's
    trials: a few milliseconds where reloading 100,000 trials takes about a second.
    """

    def __init__(self, max_runs: int = 8) -> None:
        self.max_runs = max_runs
        self._frames: dict[int, tuple[tuple[Any, ...], TrialFrame]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def signature(session: Session, run_id: int) -> tuple[Any, ...]:
        done = func.sum(func.length(cast(_T.c["values"], Text)))
        row = session.execute(select(
            func.count(), func.max(_T.c.number), func.sum(func.coalesce(_T.c.last_step, 0)),
            func.sum(func.length(_T.c.state)), done, func.max(_T.c.finished_at),
        ).where(_T.c.run_id == run_id)).one()
        run = session.get(Run, run_id)
        space = json.dumps(run.current_space, sort_keys=True) if run is not None else None
        return (*(str(v) for v in row), space)

    def get(self, session: Session, run_id: int) -> TrialFrame:
        signature = self.signature(session, run_id)
        with self._lock:
            cached = self._frames.get(run_id)
        if cached is not None and cached[0] == signature:
            return cached[1]
        frame = load_frame(session, run_id)
        with self._lock:
            self._frames.pop(run_id, None)
            self._frames[run_id] = (signature, frame)
            while len(self._frames) > self.max_runs:
                self._frames.pop(next(iter(self._frames)))
        return frame
