"""Reading a run for analysis straight from the product's tables, in bulk and by column.

`load_frame` reads a run's trials with one SQLAlchemy Core query (JSON as text decoded in one
`json.loads`, timestamps turned into POSIX seconds by the database) and builds a `TrialFrame`
with the run's space and metrics. 100,000 trials load in about a second. `FrameCache`
(``frame_cache.py``) keeps frames per run and refreshes them incrementally.

Intermediate values come from the run's "result" events; the metric is extracted by the
database (JSON path), and only the steps asked for are read.
"""

from __future__ import annotations

import gc
import json
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
from optunagui.analysis.frame import (
    LazyAttrs,
    TrialFrame,
    build_frame_from_columns,
)
from optunagui.spec import ExperimentSpec
from optunagui.spec.space import resolve_space, space_from_dict
from optunagui.store.tables import Run, Trial, TrialEvent

__all__ = [
    "load_final_metrics",
    "load_frame",
    "load_intermediate",
    "load_pruning_values",
    "run_space",
]

_T = Trial.__table__
_E = TrialEvent.__table__
_PLAIN = frozenset({type(None), int, float})


def _epoch(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":  # stored as "YYYY-MM-DD HH:MM:SS.ffffff"
        whole = cast(func.strftime("%s", column), Float)
        return whole + cast(func.substr(column, 20), Float)
    return cast(extract("epoch", column), Float)


def run_space(spec: Mapping[str, Any], current: Mapping[str, Any] | None = None
              ) -> tuple[dict[str, Any], list[Any]]:
    """(space, metrics) of a run: the model's preset with the spec's ranges on top, then the
    run's live ranges (`Run.current_space`) when it has them."""
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


def _trial_query(session: Session, run_id: int, attrs: bool) -> Any:
    columns = [_T.c.number, _T.c.state, cast(_T.c["values"], Text), cast(_T.c.params, Text),
               _epoch(session, _T.c.started_at), _epoch(session, _T.c.finished_at),
               _T.c.duration_s, _T.c.last_step, _T.c.worker]
    if attrs:
        columns.append(cast(_T.c.user_attrs, Text))
    return select(*columns).where(_T.c.run_id == run_id).order_by(_T.c.number)


def _read(session: Session, queries: Sequence[Any], attrs: bool) -> list[Sequence[Any]]:
    """The rows of the queries, one after the other, as columns (number, state, ...)."""
    # Hundreds of thousands of acyclic objects: the cycle collector would only slow this down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        rows = [row for query in queries for row in session.execute(query).all()]
    finally:
        if collecting:
            gc.enable()
    return list(zip(*rows, strict=True)) if rows else [()] * (10 if attrs else 9)


def _decoded(cols: Sequence[Sequence[Any]]) -> tuple[list[Any], list[Any]]:
    """The values and params columns decoded, in one `json.loads`."""
    n = len(cols[0])
    decoded = json.loads("[" + ",".join(t or "null" for t in (*cols[2], *cols[3])) + "]")
    return decoded[:n], decoded[n:]


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
    cols = _read(session, [_trial_query(session, run_id, attrs)], attrs)
    return _frame_from_columns(cols, *_decoded(cols), attrs, space, metrics)


def _frame_from_columns(cols: Sequence[Sequence[Any]], values: list[Any], params: list[Any],
                        attrs: bool, space: Mapping[str, Any],
                        metrics: Sequence[Any]) -> TrialFrame:
    n = len(cols[0])
    data: dict[str, Any] = {
        "number": cols[0], "state": cols[1], "values": values, "params": params,
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
