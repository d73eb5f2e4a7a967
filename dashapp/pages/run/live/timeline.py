"""Timeline: what ran where and when. One lane per worker (and its GPUs), one bar per finished
trial from its start to its end, coloured by how it ended (pruned and failed stand out). A run
with more than ``MAX_BARS`` finished trials shows its latest ones on the first render, and says
so; a poll appends the trials that finish after it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import dash
import plotly.graph_objects as go

from dashapp.pages.run.live.records import TrialRecord, to_utc

__all__ = ["MAX_BARS", "STATES", "TimelineRecord", "lane", "latest_bars", "plot_timeline",
           "timeline_patch", "timeline_record"]

STATES = ("complete", "pruned", "failed")
MAX_BARS = 1_000
# Before the first bar a date axis would span an arbitrary day of the year 2000.
EMPTY_NOTE = {"text": "No finished trial yet: each one appears here as a bar.",
              "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
COLORS = {"complete": "#2ca02c", "pruned": "#ff7f0e", "failed": "#d62728"}


def lane(trial: TrialRecord) -> str:
    """The worker a trial ran on, with its GPU ids when it had any."""
    name = trial.worker or "unknown worker"
    if trial.gpu_ids:
        name += " · GPU " + ",".join(str(g) for g in trial.gpu_ids)
    return name


@dataclass
class Bars:
    lanes: list[str] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)
    durations_ms: list[float] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


@dataclass
class TimelineRecord:
    bars: dict[str, Bars] = field(default_factory=lambda: {s: Bars() for s in STATES})


def _bar(trial: TrialRecord) -> tuple[str, str, float] | None:
    started = to_utc(trial.started_at)
    elapsed = trial.elapsed_s
    if started is None or elapsed is None or trial.state not in STATES:
        return None
    if trial.finished_at is not None and trial.duration_s is None:
        elapsed = (to_utc(trial.finished_at) - started) / timedelta(seconds=1)
    # Plotly reads naive ISO strings as they are; all times here are UTC.
    start = started.replace(tzinfo=None).isoformat(timespec="milliseconds")
    return lane(trial), start, max(elapsed, 0.0) * 1000.0


def timeline_record(trials: Iterable[TrialRecord]) -> TimelineRecord:
    record = TimelineRecord()
    for trial in trials:
        bar = _bar(trial)
        if bar is None:
            continue
        bars = record.bars[trial.state]
        bars.lanes.append(bar[0])
        bars.starts.append(bar[1])
        bars.durations_ms.append(bar[2])
        bars.numbers.append(trial.number)
    return record


def latest_bars(record: TimelineRecord, limit: int = MAX_BARS) -> TimelineRecord:
    """The ``limit`` bars of the highest trial numbers, each state's in its own order."""
    numbers = sorted((n for bars in record.bars.values() for n in bars.numbers), reverse=True)
    if len(numbers) <= limit:
        return record
    lowest = numbers[limit - 1]
    latest = TimelineRecord()
    for state, bars in record.bars.items():
        kept = latest.bars[state]
        for i, number in enumerate(bars.numbers):
            if number >= lowest:
                kept.lanes.append(bars.lanes[i])
                kept.starts.append(bars.starts[i])
                kept.durations_ms.append(bars.durations_ms[i])
                kept.numbers.append(number)
    return latest


def _count(record: TimelineRecord) -> int:
    return sum(len(bars.numbers) for bars in record.bars.values())


def plot_timeline(record: TimelineRecord, total: int | None = None) -> go.Figure:
    """``total``: the finished trials of the run, when ``record`` holds the latest of them."""
    total = max(total or 0, _count(record))
    record = latest_bars(record)
    shown = _count(record)
    note = (f"the latest {shown:,} of {total:,} finished trials (all of them are in the table)"
            if shown < total else "")
    figure = go.Figure(
        [
            go.Bar(
                y=bars.lanes,
                base=bars.starts,
                x=bars.durations_ms,
                customdata=bars.numbers,
                orientation="h",
                name=state,
                marker={"color": COLORS[state]},
                hovertemplate=f"trial %{{customdata}} ({state})<br>%{{y}}<br>"
                "from %{base}<extra></extra>",
            )
            for state, bars in record.bars.items()
        ]
    )
    figure.update_layout(
        template="plotly_white",
        barmode="overlay",
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        height=340,
        uirevision="timeline",
        meta={"shown": shown, "total": total},
        title={"text": note, "font": {"size": 11}},
        xaxis={"type": "date", "title": {"text": "time (UTC)"}, "visible": total > 0},
        yaxis={"type": "category", "automargin": True, "visible": total > 0},
        legend={"orientation": "h", "y": -0.2},
        annotations=[] if total else [EMPTY_NOTE],
    )
    return figure


def timeline_patch(trials: Iterable[TrialRecord]) -> Any:
    record = timeline_record(trials)
    if not any(bars.numbers for bars in record.bars.values()):
        return dash.no_update
    patch = dash.Patch()
    patch["layout"]["xaxis"]["visible"] = True
    patch["layout"]["yaxis"]["visible"] = True
    patch["layout"]["annotations"] = []
    for index, state in enumerate(STATES):
        bars = record.bars[state]
        if not bars.numbers:
            continue
        patch["data"][index]["y"].extend(bars.lanes)
        patch["data"][index]["base"].extend(bars.starts)
        patch["data"][index]["x"].extend(bars.durations_ms)
        patch["data"][index]["customdata"].extend(bars.numbers)
    return patch
