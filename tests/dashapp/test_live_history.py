"""Optimization history records and patches (no drawing needed to check them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashapp.pages.run.live.history import (
    BEST,
    CONTROL_LABELS,
    TRIALS,
    control_label,
    history_patch,
    history_record,
    plot_history,
)
from dashapp.pages.run.live.records import EventRecord, TrialRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _trial(number: int, state: str = "complete", value: float | None = None) -> TrialRecord:
    return TrialRecord(
        number=number,
        state=state,
        values=(value,) if value is not None else (),
        started_at=T0 + timedelta(seconds=number),
    )


def _control(event_id: int, at_s: float, **metrics) -> EventRecord:
    return EventRecord(
        id=event_id,
        kind="control",
        trial_number=None,
        step=None,
        metrics=metrics,
        worker=None,
        created_at=T0 + timedelta(seconds=at_s),
    )


def test_history_record_best_so_far_follows_the_direction():
    trials = [_trial(0, value=0.5), _trial(1, value=0.7), _trial(2, "pruned"), _trial(3, value=0.6)]
    maximize = history_record(trials, [], metric="auc", direction="maximize")
    assert maximize.numbers == [0, 1, 3]
    assert maximize.best_y == [0.5, 0.7, 0.7]
    assert maximize.best == (1, 0.7)
    minimize = history_record(trials, [], metric="rmse", direction="minimize")
    assert minimize.best_y == [0.5, 0.5, 0.5]
    assert minimize.best == (0, 0.5)


def test_history_record_places_controls_at_the_newest_trial_started_before_them():
    trials = [_trial(n, value=0.1 * n) for n in range(5)]
    controls = [
        _control(1, -1, kind="pause", status="pausing"),
        _control(2, 2.5, kind="ranges", status="applied",
                 old={"lr": {"type": "float", "low": 0.001, "high": 0.3}},
                 new={"lr": {"type": "float", "low": 0.01, "high": 0.1}}),
    ]
    record = history_record(trials, controls, metric="auc", direction="maximize")
    assert [m.x for m in record.marks] == [-1, 2]
    assert record.marks[0].label == "pause (pausing)"
    assert "lr: 0.001–0.3 → 0.01–0.1" in record.marks[1].detail


def test_control_label_lists_only_changed_ranges_and_escapes_names():
    label, detail = control_label(
        {
            "kind": "ranges",
            "status": "applied",
            "old": {"<i>a</i>": {"type": "int", "low": 1, "high": 5}, "b": {"type": "int",
                                                                           "low": 1, "high": 2}},
            "new": {"<i>a</i>": {"type": "int", "low": 2, "high": 5}, "b": {"type": "int",
                                                                           "low": 1, "high": 2}},
        }
    )
    assert label == "ranges (applied)"
    assert "&lt;i&gt;a&lt;/i&gt;: 1–5 → 2–5" in detail
    assert "b:" not in detail


def test_plot_history_draws_the_record():
    record = history_record(
        [_trial(0, value=0.5), _trial(1, value=0.7)],
        [_control(1, 0.5, kind="stop")],
        metric="auc",
        direction="maximize",
    )
    figure = plot_history(record)
    assert list(figure.data[TRIALS].x) == [0, 1]
    assert list(figure.data[BEST].y) == [0.5, 0.7]
    assert list(figure.data[CONTROL_LABELS].text) == ["stop"]
    assert figure.data[CONTROL_LABELS].yaxis == "y2"


def test_history_patch_appends_only_what_is_new():
    patch = history_patch([(7, 0.8)], [(7, 0.8)], [])
    operations = patch.to_plotly_json()["operations"]
    assert [(op["operation"], op["location"], op["params"]["value"]) for op in operations] == [
        ("Extend", ["data", TRIALS, "x"], [7]),
        ("Extend", ["data", TRIALS, "y"], [0.8]),
        ("Extend", ["data", BEST, "x"], [7]),
        ("Extend", ["data", BEST, "y"], [0.8]),
    ]
    assert history_patch([], [], []) is not patch  # no_update, not an empty patch
    import dash

    assert history_patch([], [], []) is dash.no_update
