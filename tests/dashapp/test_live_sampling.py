"""Figures of a large run: what they draw and that they say so (history, scatter, timeline)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from dashapp.pages.run.live.history import best_steps, history_record, plot_history
from dashapp.pages.run.live.records import TrialRecord
from dashapp.pages.run.live.sampling import MAX_POINTS, sample_positions, sample_title
from dashapp.pages.run.live.scatter import plot_scatter, scatter_record
from dashapp.pages.run.live.timeline import MAX_BARS, latest_bars, plot_timeline, timeline_record

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _values(count: int, seed: int = 1) -> list[float]:
    generator = random.Random(seed)
    return [generator.random() for _ in range(count)]


def _trials(count: int) -> list[TrialRecord]:
    values = _values(count)
    return [TrialRecord(number=n, state="complete", values=(values[n],),
                        params={"lr": n / count, "depth": n % 7},
                        started_at=T0 + timedelta(seconds=n),
                        finished_at=T0 + timedelta(seconds=n + 1), worker=f"w{n % 2}")
            for n in range(count)]


def test_a_small_run_draws_every_trial():
    assert sample_positions(_values(MAX_POINTS), "minimize") == list(range(MAX_POINTS))
    assert sample_title(10, 10) == ""


def test_a_large_run_keeps_the_best_and_every_new_best_within_the_limit():
    values = _values(50_000)
    for direction, pick in (("minimize", min), ("maximize", max)):
        chosen = sample_positions(values, direction, limit=1_000, keep=100)
        assert chosen == sorted(set(chosen)) and len(chosen) <= 1_000
        best = sorted(range(len(values)), key=values.__getitem__,
                      reverse=direction == "maximize")[:100]
        assert set(best) <= set(chosen)
        record = pick(values)
        running = None
        for position, value in enumerate(values):
            if running is None or pick(value, running) == value != running:
                running = value
                assert position in chosen, (direction, position)
        assert values.index(record) in chosen
        assert chosen[0] == 0 and chosen[-1] > 49_000  # the spread reaches both ends


def test_a_run_that_improves_at_every_trial_still_draws_within_the_limit():
    improving = [1.0 / (n + 1) for n in range(20_000)]
    chosen = sample_positions(improving, "minimize", limit=1_000, keep=100)
    assert len(chosen) <= 1_000 and chosen[-1] == 19_999  # the best is kept
    new_bests = [p for p in chosen if p < 19_900]  # outside the kept best 100
    assert 300 < len(new_bests) and new_bests[0] == 0  # spread over the whole run
    gaps = [b - a for a, b in zip(new_bests, new_bests[1:], strict=False)]
    assert max(gaps) < 100


def test_best_steps_keep_the_corners_of_the_line():
    points = [(0, 5.0), (1, 5.0), (2, 3.0), (3, 3.0), (4, 3.0), (5, 1.0), (6, 1.0)]
    assert best_steps(points) == [(0, 5.0), (2, 3.0), (5, 1.0), (6, 1.0)]
    assert best_steps([]) == [] and best_steps([(0, 1.0)]) == [(0, 1.0)]


def test_the_history_of_a_large_run_says_how_much_it_draws():
    trials = _trials(20_000)
    figure = plot_history(history_record(trials, [], metric="loss", direction="minimize"))
    shown = len(figure.data[0].x)
    assert figure.layout.meta == {"shown": shown, "total": 20_000}
    assert MAX_POINTS * 0.9 < shown <= MAX_POINTS
    assert f"{shown:,} of 20,000 trials drawn" in figure.layout.title.text
    best_line = list(zip(figure.data[1].x, figure.data[1].y, strict=True))
    assert best_line[-1][0] == 19_999 and len(best_line) < 100
    assert min(figure.data[0].y) == min(t.values[0] for t in trials)


def test_a_small_history_draws_everything_without_a_note():
    figure = plot_history(history_record(_trials(30), [], metric="loss",
                                         direction="minimize"))
    assert len(figure.data[0].x) == 30 and figure.layout.meta == {"shown": 30, "total": 30}
    assert figure.layout.title.text == ""


def test_the_scatter_of_a_large_run_is_sampled_and_says_so():
    trials = _trials(10_000)
    record = scatter_record(trials, "lr", "depth", metric="loss", direction="minimize")
    figure = plot_scatter(record, log_x=False)
    shown = len(figure.data[0].x)
    assert figure.layout.meta == {"shown": shown, "total": 10_000} and shown < 3_000
    assert "of 10,000 trials drawn" in figure.layout.title.text


def test_the_timeline_shows_the_latest_bars_of_a_large_run():
    trials = _trials(MAX_BARS + 500)
    figure = plot_timeline(timeline_record(trials))
    assert figure.layout.meta == {"shown": MAX_BARS, "total": MAX_BARS + 500}
    drawn = sorted(int(n) for trace in figure.data for n in trace.customdata)
    assert drawn == list(range(500, MAX_BARS + 500))
    assert "latest 1,000 of 1,500" in figure.layout.title.text
    small = timeline_record(trials[:10])
    assert latest_bars(small) is small
