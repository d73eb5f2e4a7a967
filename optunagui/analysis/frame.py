"""A run's trials as one compact columnar record, built once; every view works on it.

`build_frame` turns the store's light rows (`optunagui.store.TrialRow`, or anything with the
same attributes) into numpy arrays: one column per parameter, one per objective, the states,
the times. Views then work on whole arrays, which keeps 100,000 trials well under a second.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from optunagui.spec import ExperimentSpec
from optunagui.spec.space import resolve_space, space_from_dict

__all__ = [
    "STATES",
    "ParamColumn",
    "TrialFrame",
    "LazyAttrs",
    "build_frame",
    "build_frame_from_columns",
    "encode_choices",
    "frame_from_spec",
    "numeric_column",
]

STATES = ("complete", "pruned", "failed", "running")


@dataclass(frozen=True)
class ParamColumn:
    """One parameter over all trials.

    `values` holds numbers for float/int parameters and choice indices for categorical ones
    (NaN where the trial has no value, e.g. an inactive conditional parameter). `low`/`high`
    are the spec's range widened to cover every value seen (a range may change mid-run).
    """

    name: str
    kind: str  # "float" | "int" | "categorical"
    values: np.ndarray
    low: float
    high: float
    log: bool = False
    choices: tuple[Any, ...] = ()
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def unit(self, values: np.ndarray | None = None) -> np.ndarray:
        """Values scaled to [0, 1] across the range (log ranges on a log scale)."""
        x = self.values if values is None else np.asarray(values, dtype=float)
        if self.kind == "categorical":
            return x / max(len(self.choices) - 1, 1)
        low, high = self.low, self.high
        if self.log and low > 0:
            x, low, high = np.log(np.clip(x, low, None)), math.log(low), math.log(high)
        width = high - low
        return (x - low) / width if width > 0 else np.zeros_like(x)

    def label(self, value: float) -> Any:
        """A stored number back as the parameter's value (a choice for categorical ones)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.kind == "categorical":
            return self.choices[int(value)]
        if self.kind == "int":
            return int(round(value))
        return float(value)


@dataclass(frozen=True)
class TrialFrame:
    """A run's trials as arrays, in trial-number order.

    Attributes:
        values: (n_trials, n_objectives) objective values, NaN where missing.
        state: state codes, indices into `STATES`.
        started, finished: POSIX seconds (NaN when unknown).
        workers: the worker names; `worker` holds indices into it (-1 when unknown).
        attrs: each trial's user attributes (a sequence; may decode lazily, see `LazyAttrs`).
        fixed: the spec's fixed parameters (name -> value).
    """

    number: np.ndarray
    state: np.ndarray
    values: np.ndarray
    params: dict[str, ParamColumn]
    metric_names: tuple[str, ...]
    directions: tuple[str, ...]
    started: np.ndarray
    finished: np.ndarray
    duration: np.ndarray
    last_step: np.ndarray
    worker: np.ndarray
    workers: tuple[str, ...]
    attrs: Sequence[dict[str, Any] | None]
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        return int(self.number.size)

    @property
    def n_objectives(self) -> int:
        return len(self.directions)

    def state_mask(self, state: str) -> np.ndarray:
        return self.state == STATES.index(state)

    def objective_index(self, objective: int | str) -> int:
        if isinstance(objective, str):
            return self.metric_names.index(objective)
        return int(objective)

    def score(self, objective: int | str = 0) -> np.ndarray:
        """The objective signed so that higher is better; NaN unless complete and finite."""
        k = self.objective_index(objective)
        sign = 1.0 if self.directions[k] == "maximize" else -1.0
        score = sign * self.values[:, k]
        score[~self.state_mask("complete")] = np.nan
        return score

    def complete(self, objective: int | str = 0) -> np.ndarray:
        """Indices of complete trials with a finite value for the objective."""
        return np.flatnonzero(np.isfinite(self.score(objective)))

    def best_index(self, objective: int | str = 0) -> int | None:
        score = self.score(objective)
        if not np.isfinite(score).any():
            return None
        return int(np.nanargmax(score))

    def best_params(self, objective: int | str = 0) -> dict[str, Any]:
        best = self.best_index(objective)
        if best is None:
            return {}
        found = {name: col.label(col.values[best]) for name, col in self.params.items()}
        return {**{k: v for k, v in found.items() if v is not None}, **self.fixed}

    def metric_column(self, name: str) -> np.ndarray:
        """A numeric column by name: an objective, "duration_s", or a user attribute.

        User attributes are looked up at the top level and under ``user_attrs["metrics"]``.
        """
        if name in self.metric_names:
            return self.values[:, self.metric_names.index(name)].copy()
        if name == "duration_s":
            return self.duration.copy()
        return np.array([_attr_number(attrs, name) for attrs in self.attrs], dtype=float)


def _attr_number(attrs: Mapping[str, Any] | None, name: str) -> float:
    if not attrs:
        return math.nan
    value = attrs.get(name)
    if value is None and isinstance(attrs.get("metrics"), Mapping):
        value = attrs["metrics"].get(name)
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def _seconds(moment: datetime | float | None) -> float:
    if moment is None:
        return math.nan
    if isinstance(moment, int | float):
        return float(moment)
    return moment.timestamp()


def _spec_dict(param: Any) -> dict[str, Any]:
    if param is None:
        return {}
    if hasattr(param, "to_dict"):
        return dict(param.to_dict())
    return dict(param)


def _float_or_nan(value: Any) -> float:
    if value is None or isinstance(value, str | bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _param_column(name: str, raw: list[Any], spec: dict[str, Any]) -> ParamColumn:
    kind = spec.get("type")
    if kind not in ("float", "int", "categorical"):
        numeric = all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                      for v in raw)
        kind = "float" if numeric else "categorical"
    if kind == "categorical":
        choices = list(spec.get("choices") or [])
        codes = encode_choices(raw, choices)
        return ParamColumn(name, "categorical", codes, 0.0, float(max(len(choices) - 1, 0)),
                           choices=tuple(choices), spec=spec)
    return numeric_column(name, kind, _numbers(raw), spec)


def encode_choices(raw: Sequence[Any], choices: list[Any]) -> np.ndarray:
    """Each value's index in ``choices`` (values first seen are appended to it, in order);
    a missing value is NaN unless None is itself one of the choices."""
    index = {repr(c): i for i, c in enumerate(choices)}
    coded_none = None in choices
    codes = np.full(len(raw), np.nan)
    for i, value in enumerate(raw):
        if isinstance(value, np.generic):
            value = value.item()
        if value is None and not coded_none:
            continue
        key = repr(value)
        if key not in index:
            index[key] = len(choices)
            choices.append(value)
        codes[i] = index[key]
    return codes


def numeric_column(name: str, kind: str, values: np.ndarray, spec: dict[str, Any]
                   ) -> ParamColumn:
    """A float/int parameter from its values, its range the spec's widened to cover them."""
    seen = values[np.isfinite(values)]
    low, high = spec.get("low"), spec.get("high")
    low = float(low) if low is not None else (float(seen.min()) if seen.size else 0.0)
    high = float(high) if high is not None else (float(seen.max()) if seen.size else 1.0)
    if seen.size:
        low, high = min(low, float(seen.min())), max(high, float(seen.max()))
    log = bool(spec.get("log")) and low > 0
    return ParamColumn(name, kind, values, low, high, log=log, spec=spec)


class LazyAttrs(Sequence[dict[str, Any] | None]):
    """User attributes kept as JSON text and decoded per trial on first access."""

    def __init__(self, texts: Sequence[str | None]) -> None:
        self._texts = list(texts)
        self._decoded: dict[int, dict[str, Any] | None] = {}

    def __len__(self) -> int:
        return len(self._texts)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = int(index)
        if index < 0:
            index += len(self._texts)
        if index not in self._decoded:
            text = self._texts[index]
            self._decoded[index] = json.loads(text) if text else None
        return self._decoded[index]

    def updated(self, texts: Mapping[int, str | None], appended: Sequence[str | None]
                ) -> LazyAttrs:
        """A copy with the texts at some positions replaced and more texts at the end;
        what was already decoded elsewhere is kept."""
        copy = LazyAttrs([*self._texts, *appended])
        copy._decoded = {i: v for i, v in self._decoded.items() if i not in texts}
        for index, text in texts.items():
            copy._texts[index] = text
        return copy


def _numbers(raw: Sequence[Any]) -> np.ndarray:
    try:
        return np.array(raw, dtype=float).reshape(len(raw))
    except (TypeError, ValueError):
        return np.fromiter((_float_or_nan(v) for v in raw), dtype=float, count=len(raw))


def _times(raw: Sequence[Any]) -> np.ndarray:
    if isinstance(raw, np.ndarray):
        return raw.astype(float)
    return np.fromiter((_seconds(v) for v in raw), dtype=float, count=len(raw))


def build_frame_from_columns(
    columns: Mapping[str, Sequence[Any]],
    space: Mapping[str, Any] | None = None,
    metrics: Sequence[Any] | None = None,
) -> TrialFrame:
    """A `TrialFrame` from columns: number, state, values (lists), params (dicts),
    user_attrs, started_at/finished_at (datetimes or POSIX seconds), duration_s, last_step,
    worker. Each column is a sequence in trial-number order."""
    space = {name: _spec_dict(p) for name, p in (space or {}).items()}
    metric_dicts = [_spec_dict(m) for m in (metrics or [])]
    raw_values = columns["values"]
    params_col = [p or {} for p in columns["params"]]
    n = len(columns["number"])
    n_objectives = max([len(metric_dicts), 1] + [len(v or ()) for v in raw_values[:1000]])
    names = [m.get("name", f"value {i}") for i, m in enumerate(metric_dicts)]
    names += [f"value {i}" if i else "value" for i in range(len(names), n_objectives)]
    directions = [m.get("direction") or "maximize" for m in metric_dicts]
    directions += ["maximize"] * (n_objectives - len(directions))
    values = np.full((n, n_objectives), np.nan)
    for k in range(n_objectives):
        values[:, k] = _numbers([v[k] if v and len(v) > k else None for v in raw_values])
    fixed = {name for name, p in space.items() if p.get("type") == "fixed"}
    seen_names: dict[str, None] = dict.fromkeys(name for name in space if name not in fixed)
    keys_seen: set[tuple[str, ...]] = set()
    for p in params_col:
        keys = tuple(p)
        if keys not in keys_seen:
            keys_seen.add(keys)
            seen_names.update(dict.fromkeys(k for k in keys if k not in fixed))
    params = {}
    for name in seen_names:
        column = _param_column(name, [p.get(name) for p in params_col], space.get(name, {}))
        if n == 0 or column.present.any():  # a preset parameter no trial ever sampled: left out
            params[name] = column
    worker_names: dict[str, int] = {}
    worker = np.fromiter(
        (-1 if w is None else worker_names.setdefault(w, len(worker_names))
         for w in columns["worker"]), dtype=np.int32, count=n)
    state_codes = {s: i for i, s in enumerate(STATES)}
    attrs = columns.get("user_attrs")
    return TrialFrame(
        number=np.asarray(columns["number"], dtype=np.int64).reshape(n),
        state=np.fromiter((state_codes.get(s, 3) for s in columns["state"]), dtype=np.int8,
                          count=n),
        values=values,
        params=params,
        metric_names=tuple(names),
        directions=tuple(directions),
        started=_times(columns["started_at"]),
        finished=_times(columns["finished_at"]),
        duration=_numbers(columns["duration_s"]),
        last_step=_numbers(columns["last_step"]),
        worker=worker,
        workers=tuple(worker_names),
        attrs=attrs if attrs is not None else (None,) * n,
        fixed={name: space[name].get("value") for name in fixed},
    )


def build_frame(
    rows: Sequence[Any],
    space: Mapping[str, Any] | None = None,
    metrics: Sequence[Any] | None = None,
) -> TrialFrame:
    """Turn trial rows into a `TrialFrame`.

    Args:
        rows: `TrialRow`s (or objects with number, state, values, params, user_attrs,
            started_at, finished_at, duration_s, last_step, worker).
        space: the run's resolved space, name -> ParamSpec or its dict. Parameters seen in the
            rows but not in the space are typed from their values; fixed ones are kept aside.
        metrics: the spec's metrics (MetricSpec or {"name", "direction"} dicts), in objective
            order; default one maximised objective named "value".
    """
    fields = ("number", "state", "values", "params", "user_attrs", "started_at",
              "finished_at", "duration_s", "last_step", "worker")
    columns: dict[str, Sequence[Any]] = {name: [getattr(r, name) for r in rows] for name in fields}
    columns["user_attrs"] = tuple(columns["user_attrs"])
    return build_frame_from_columns(columns, space, metrics)


def frame_from_spec(rows: Sequence[Any], spec: Mapping[str, Any] | Any) -> TrialFrame:
    """`build_frame` with the space and metrics of a run spec (`Run.spec` dict or model).

    The space is the spec's resolved space when the model registry knows it (preset merged
    with the spec's own ranges), else the spec's `space` as written.
    """
    data = spec.to_dict() if hasattr(spec, "to_dict") else dict(spec)
    try:
        space: Mapping[str, Any] = resolve_space(ExperimentSpec.model_validate(data))
    except Exception:  # noqa: BLE001 - an unknown model/preset: fall back to the written space
        space = space_from_dict(data.get("space") or {})
    return build_frame(rows, space, data.get("metrics") or [])
