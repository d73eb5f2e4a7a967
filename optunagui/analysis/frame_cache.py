"""Frames kept per run and refreshed incrementally.

When a cheap aggregate over a run's trials has changed, `FrameCache` reads only the trials
that can have changed (new ones and those it had running), merges them into the cached arrays
and checks the merge against the aggregate; anything it cannot merge safely is read in full.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import Session

from optunagui.analysis.frame import (
    STATES,
    LazyAttrs,
    ParamColumn,
    TrialFrame,
    encode_choices,
    numeric_column,
)
from optunagui.analysis.load import (
    _PLAIN,
    _T,
    _decoded,
    _frame_from_columns,
    _read,
    _trial_query,
    run_space,
)
from optunagui.store.tables import Run

__all__ = ["FrameCache"]

def _signature(session: Session, run_id: int) -> tuple[int, ...]:
    """What `_signature_of` computes from rows read, as one aggregate over the stored rows."""
    def count(state: str) -> Any:
        return func.sum(case((_T.c.state == state, 1), else_=0))

    def length(column: Any) -> Any:
        return func.sum(func.length(cast(column, Text)))

    row = session.execute(select(
        func.count(), func.max(_T.c.number), func.sum(_T.c.number), count("running"),
        count("complete"), count("pruned"), func.sum(func.coalesce(_T.c.last_step, 0)),
        length(_T.c["values"]), length(_T.c.params), length(_T.c.user_attrs),
        func.sum(func.length(_T.c.worker)),
    ).where(_T.c.run_id == run_id)).one()
    return tuple(int(v or 0) for v in row)


def _row_parts(cols: Sequence[Sequence[Any]]) -> np.ndarray:
    """Per row: number, running, complete, pruned, last step and the lengths of the values,
    params, user attributes and worker texts (the summands of `_signature`)."""
    n = len(cols[0])
    state = np.array(cols[1], dtype=object)

    def sizes(column: Sequence[Any]) -> np.ndarray:
        return np.fromiter((len(t) if t else 0 for t in column), np.int64, n)

    return np.column_stack([
        np.array(cols[0], dtype=np.int64), state == "running", state == "complete",
        state == "pruned", np.fromiter((s or 0 for s in cols[7]), np.int64, n),
        sizes(cols[2]), sizes(cols[3]), sizes(cols[9]), sizes(cols[8]),
    ]).astype(np.int64).reshape(n, 9)


def _signature_of(parts: np.ndarray) -> tuple[int, ...]:
    count = parts.shape[0]
    top = int(parts[-1, 0]) if count else 0
    return (count, top, *(int(v) for v in parts.sum(axis=0)))


@dataclass(frozen=True)
class _Entry:
    """A cached frame and what merging newer rows into it needs."""

    key: str  # the run's spec and live space: any change means a full read
    frame: TrialFrame
    signature: tuple[int, ...]
    parts: np.ndarray
    space: dict[str, dict[str, Any]]
    n_metrics: int
    columns: dict[str, ParamColumn]  # every parameter seen, in frame order, absent ones too
    first_row: dict[str, int]  # parameters outside the space: the first row having them
    starts: dict[int, tuple[str, ...]]  # such a first row: its parameters outside the space
    odd: frozenset[str]  # numeric parameters with a stored value other than null or a number


def _spec_dicts(space: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: dict(p.to_dict() if hasattr(p, "to_dict") else p or {})
            for name, p in space.items()}


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _absent_column(name: str, spec: dict[str, Any], n: int) -> ParamColumn:
    kind = spec.get("type")
    if kind == "categorical":
        choices = tuple(spec.get("choices") or ())
        return ParamColumn(name, kind, np.full(n, np.nan), 0.0, float(max(len(choices) - 1, 0)),
                           choices=choices, spec=spec)
    return numeric_column(name, kind if kind in ("float", "int") else "float",
                          np.full(n, np.nan), spec)


def _full_entry(session: Session, run: Run, key: str) -> _Entry:
    space, metrics = run_space(run.spec, run.current_space)
    cols = _read(session, [_trial_query(session, run.id, True)], True)
    values, params = _decoded(cols)
    frame = _frame_from_columns(cols, values, params, True, space, metrics)
    specs = _spec_dicts(space)
    fixed = {name for name, p in specs.items() if p.get("type") == "fixed"}
    first_row: dict[str, int] = {}
    starts: dict[int, tuple[str, ...]] = {}
    keys_seen: set[tuple[str, ...]] = set()
    dicts = [p or {} for p in params]
    for row, p in enumerate(dicts):
        keys = tuple(p)
        if keys not in keys_seen:
            keys_seen.add(keys)
            outside = tuple(name for name in keys if name not in specs)
            if any(name not in first_row for name in outside):
                starts[row] = outside
                for name in outside:
                    first_row.setdefault(name, row)
    names = [name for name in specs if name not in fixed] + list(first_row)
    columns = {name: frame.params.get(name) or _absent_column(name, specs.get(name, {}),
                                                              frame.n_trials)
               for name in names}
    odd = frozenset(
        name for name, column in columns.items() if column.kind != "categorical"
        and not set(map(type, map(dict.get, dicts, repeat(name)))) <= _PLAIN)
    parts = _row_parts(cols)
    return _Entry(key, frame, _signature_of(parts), parts, specs, max(len(metrics), 1),
                  columns, first_row, starts, odd)


def _first_seen(codes: np.ndarray, table: list[Any], kept: int) -> tuple[np.ndarray, list[Any]]:
    """Codes renumbered so that entries from `kept` on follow their first use; unused ones
    dropped (as building the frame from every row would number them)."""
    extra = codes >= kept
    used, first = np.unique(codes[extra].astype(np.int64), return_index=True)
    order = used[np.argsort(first, kind="stable")]
    remap = np.arange(len(table), dtype=np.int64)
    remap[order] = np.arange(kept, kept + order.size)
    out = codes.copy()
    out[extra] = remap[codes[extra].astype(np.int64)]
    return out, [*table[:kept], *(table[i] for i in order)]


def _merged_param(name: str, old: ParamColumn | None, raw: list[Any], spec: dict[str, Any],
                  put: Callable[[np.ndarray, np.ndarray], np.ndarray], n_old: int,
                  odd: frozenset[str]) -> ParamColumn | None:
    """One parameter with the rows read merged in; None where only a full read is exact."""
    kind = spec.get("type")
    numbers = all(_is_number(v) for v in raw)
    if kind not in ("float", "int", "categorical"):
        kind = old.kind if old is not None else ("float" if numbers else "categorical")
    if kind != "categorical":
        if name in odd or not numbers:
            return None
        before = old.values if old is not None else np.full(n_old, np.nan)
        return numeric_column(name, kind, put(before, np.array(raw, dtype=float)), spec)
    kept = len(spec.get("choices") or ())
    choices = list(old.choices) if old is not None else list(spec.get("choices") or [])
    coded_none = None in choices
    codes = encode_choices(raw, choices)
    if old is not None:
        before = old.values
    else:
        before = np.full(n_old, choices.index(None) if coded_none else np.nan)
    merged, choices = _first_seen(put(before, codes), choices, kept)
    if spec.get("type") != "categorical" and all(_is_number(c) for c in choices):
        return None  # the last non-number went: the column turns numeric
    return ParamColumn(name, "categorical", merged, 0.0, float(max(len(choices) - 1, 0)),
                       choices=tuple(choices), spec=spec)


def _merged_entry(entry: _Entry, cols: Sequence[Sequence[Any]]) -> _Entry | None:
    """`entry` with rows read since (changed ones and new ones) merged in, or None where the
    merge could differ from reading every row again."""
    old = entry.frame
    n_old, m = old.n_trials, len(cols[0])
    numbers = np.array(cols[0], dtype=np.int64)
    at = np.searchsorted(old.number, numbers)
    known = at < n_old
    known[known] = old.number[at[known]] == numbers[known]
    if (numbers[~known] < old.number[-1]).any() or not isinstance(old.attrs, LazyAttrs):
        return None  # a row filled in below the newest one
    target = np.where(known, at, n_old + np.cumsum(~known) - 1)
    n = n_old + int((~known).sum())

    def put(before: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty((n, *before.shape[1:]), before.dtype)
        out[:n_old] = before
        out[target] = rows
        return out

    values, params = _decoded(cols)
    n_obj = old.values.shape[1]
    early = [v for v, row in zip(values, target, strict=True) if row < 1000]
    if early and (n_obj > entry.n_metrics or any(len(v or ()) > n_obj for v in early)):
        return None  # the number of objectives is read from the first 1,000 trials
    if not all(v is None or isinstance(v, list) for v in values):
        return None
    objectives = [[v[k] if v and len(v) > k else None for v in values] for k in range(n_obj)]
    if not all(_is_number(x) for column in objectives for x in column):
        return None
    first_row, starts = dict(entry.first_row), dict(entry.starts)
    dicts = [p or {} for p in params]
    for p, row, replaced in zip(dicts, target.tolist(), known.tolist(), strict=True):
        outside = tuple(k for k in p if k not in entry.space)
        if replaced and (outside != starts[row] if row in starts else
                         any(first_row.get(k, row) >= row for k in outside)):
            return None  # the order parameters are first seen in may change
        if not replaced and any(k not in first_row for k in outside):
            starts[row] = outside
            for name in outside:
                first_row.setdefault(name, row)
    columns: dict[str, ParamColumn] = {}
    for name in [*entry.columns, *(k for k in first_row if k not in entry.columns)]:
        column = _merged_param(name, entry.columns.get(name), [p.get(name) for p in dicts],
                               entry.space.get(name, {}), put, n_old, entry.odd)
        if column is None:
            return None
        columns[name] = column
    workers = {w: i for i, w in enumerate(old.workers)}
    worker = np.fromiter((-1 if w is None else workers.setdefault(w, len(workers))
                          for w in cols[8]), dtype=np.int32, count=m)
    worker, names = _first_seen(put(old.worker, worker), list(workers), 0)
    codes = {s: i for i, s in enumerate(STATES)}
    attrs = old.attrs.updated(
        {int(row): text for row, text, replaced in zip(target, cols[9], known, strict=True)
         if replaced}, [text for text, replaced in zip(cols[9], known, strict=True)
                        if not replaced])
    frame = replace(
        old, number=put(old.number, numbers), attrs=attrs,
        state=put(old.state, np.fromiter((codes.get(s, 3) for s in cols[1]), np.int8, m)),
        values=put(old.values, np.array(objectives, dtype=float).T.reshape(m, n_obj)),
        params={name: c for name, c in columns.items() if c.present.any()},
        started=put(old.started, np.array(cols[4], dtype=float)),
        finished=put(old.finished, np.array(cols[5], dtype=float)),
        duration=put(old.duration, np.array(cols[6], dtype=float)),
        last_step=put(old.last_step, np.array(cols[7], dtype=float)),
        worker=worker.astype(np.int32), workers=tuple(names))
    parts = put(entry.parts, _row_parts(cols))
    return replace(entry, frame=frame, signature=_signature_of(parts), parts=parts,
                   columns=columns, first_row=first_row, starts=starts)


class FrameCache:
    """Frames per run, brought up to date by reading only the trials that changed.

    Staleness is one aggregate query over the run's trials (count, states, steps, the lengths
    of the JSON texts): about 0.1 s for 100,000 trials on SQLite, a tenth of reading them.
    A stale frame reads the trials numbered above its newest and those it had running, and
    merges them in; the merged frame's aggregate must then equal the stored one, else (a
    finished trial rewritten, one filled in below the newest, a parameter that changes type)
    the run is read again in full, as it is when its spec or live ranges change.

    Attributes:
        full_reads, merges: how many times a frame was read in full, or brought up to date.
    """

    def __init__(self, max_runs: int = 8) -> None:
        self.max_runs = max_runs
        self.full_reads = 0
        self.merges = 0
        self._frames: dict[int, _Entry] = {}
        self._lock = threading.Lock()

    @staticmethod
    def signature(session: Session, run_id: int) -> tuple[int, ...]:
        """The aggregate a cached frame is compared with."""
        return _signature(session, run_id)

    def get(self, session: Session, run_id: int) -> TrialFrame:
        """The run's frame, up to date.

        Raises:
            LookupError: no such run.
        """
        run = session.get(Run, run_id)
        if run is None:
            raise LookupError(f"run {run_id} not found")
        key = json.dumps([run.spec, run.current_space], sort_keys=True, default=str)
        signature = _signature(session, run_id)
        with self._lock:
            entry = self._frames.get(run_id)
        if entry is not None and entry.key == key and entry.signature == signature:
            return entry.frame
        fresh = None
        if entry is not None and entry.key == key and entry.frame.n_trials:
            fresh = self._merged(session, run_id, entry, signature)
        if fresh is None:
            fresh = _full_entry(session, run, key)
            self.full_reads += 1
        else:
            self.merges += 1
        with self._lock:
            self._frames.pop(run_id, None)
            self._frames[run_id] = fresh
            while len(self._frames) > self.max_runs:
                self._frames.pop(next(iter(self._frames)))
        return fresh.frame

    @staticmethod
    def _merged(session: Session, run_id: int, entry: _Entry, signature: tuple[int, ...]
                ) -> _Entry | None:
        frame = entry.frame
        running = frame.number[frame.state_mask("running")]
        # One index range each (an OR of the two would scan the run's rows).
        if running.size > 500:
            where = [_T.c.number >= int(running.min())]
        else:
            where = [_T.c.number.in_(running.tolist())] if running.size else []
            where.append(_T.c.number > int(frame.number[-1]))
        query = _trial_query(session, run_id, True)
        merged = _merged_entry(entry, _read(session, [query.where(w) for w in where], True))
        if merged is None:
            return None
        # Unequal: a finished trial was rewritten, or a write landed between the two reads.
        if merged.signature == signature or merged.signature == _signature(session, run_id):
            return merged
        return None
