"""The page's cursor and the little it remembers between polls, kept in the browser.

The state travels in a ``dcc.Store``: it comes back from the browser with every poll, so it
is parsed as untrusted input (``LiveState.from_data`` returns None for anything malformed)
and it stays small: its size depends on the running trials and the recent curves, never on
the number of trials in the study.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["MAX_TRACKED", "LiveState"]

MAX_TRACKED = 2000


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class LiveState:
    """Attributes:
        run_id: the run these views show.
        cursor: the last event id applied.
        metric, direction: the primary metric and whether higher is better.
        best: (trial number, value) of the best complete trial so far.
        best_params: that trial's parameters (for the header).
        line_x: the x of the best-so-far line's last point (the line only moves right).
        running: trial number -> worker label, for trials shown as running.
        curves: the trial numbers of the learning-curve traces, in trace order.
        params: the parameter columns of the trials table, in order.
        last_number: the highest trial number any event named (x of control markers).
        status: the run status last shown.
        ranges: how many applied range changes the page has seen.
        appended: the finished trials polls appended to the figures since they were drawn
            whole (the poll redraws them past ``REDRAW_AFTER``, so they stay bounded).
    """

    run_id: int
    cursor: int = 0
    metric: str = "value"
    direction: str = "maximize"
    best: tuple[int, float] | None = None
    best_params: dict[str, Any] = field(default_factory=dict)
    line_x: int = -1
    running: dict[int, str] = field(default_factory=dict)
    curves: tuple[int, ...] = ()
    params: tuple[str, ...] = ()
    last_number: int = -1
    status: str = "queued"
    ranges: int = 0
    appended: int = 0

    def evolve(self, **changes: Any) -> LiveState:
        return replace(self, **changes)

    def to_data(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "cursor": self.cursor,
            "metric": self.metric,
            "direction": self.direction,
            "best": list(self.best) if self.best is not None else None,
            "best_params": dict(self.best_params),
            "line_x": self.line_x,
            "running": {str(k): v for k, v in self.running.items()},
            "curves": list(self.curves),
            "params": list(self.params),
            "last_number": self.last_number,
            "status": self.status,
            "ranges": self.ranges,
            "appended": self.appended,
        }

    @classmethod
    def from_data(cls, data: Any) -> LiveState | None:
        """The state a browser sent back, or None when it is not one this page wrote."""
        if not isinstance(data, dict):
            return None
        run_id, cursor = _int(data.get("run_id")), _int(data.get("cursor"))
        if run_id is None or cursor is None or cursor < 0:
            return None
        best = data.get("best")
        parsed_best = None
        if isinstance(best, list) and len(best) == 2:
            number, value = _int(best[0]), _float(best[1])
            if number is not None and value is not None:
                parsed_best = (number, value)
        running_raw = data.get("running")
        running: dict[int, str] = {}
        if isinstance(running_raw, dict):
            for key, value in list(running_raw.items())[:MAX_TRACKED]:
                if isinstance(key, str) and key.isdigit() and isinstance(value, str):
                    running[int(key)] = value
        curves_raw = data.get("curves")
        curves = tuple(
            n for n in (curves_raw if isinstance(curves_raw, list) else [])[:MAX_TRACKED]
            if _int(n) is not None
        )
        params_raw = data.get("params")
        params = tuple(
            p for p in (params_raw if isinstance(params_raw, list) else [])[:MAX_TRACKED]
            if isinstance(p, str)
        )
        best_params_raw = data.get("best_params")
        best_params = {
            k: v
            for k, v in (best_params_raw if isinstance(best_params_raw, dict) else {}).items()
            if isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        }
        direction = data.get("direction")
        metric = data.get("metric")
        status = data.get("status")
        return cls(
            run_id=run_id,
            cursor=cursor,
            metric=metric if isinstance(metric, str) else "value",
            direction=direction if direction in ("maximize", "minimize") else "maximize",
            best=parsed_best,
            best_params=best_params if parsed_best is not None else {},
            line_x=_int(data.get("line_x"), -1),
            running=running,
            curves=curves,
            params=params,
            last_number=_int(data.get("last_number"), -1),
            status=status if isinstance(status, str) else "queued",
            ranges=_int(data.get("ranges"), 0),
            appended=max(0, _int(data.get("appended"), 0) or 0),
        )
