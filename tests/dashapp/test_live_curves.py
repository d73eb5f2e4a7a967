"""Learning curves of recent trials: which traces, and how a poll changes them."""

from __future__ import annotations

import dash

from dashapp.pages.run.live.curves import (
    MAX_CURVES,
    curve_points,
    curves_change,
    curves_patch,
    curves_record,
    plot_curves,
)
from dashapp.pages.run.live.records import EventRecord


def _result(event_id: int, number: int, step: int, value: float, **extra) -> EventRecord:
    return EventRecord(event_id, "result", number, step, {"auc": value, **extra}, "w", None)


def test_curve_points_use_the_primary_metric_or_the_first_number():
    events = [
        _result(1, 0, 1, 0.5, loss=3.0),
        EventRecord(2, "result", 1, 1, {"loss": 2.0}, "w", None),
        EventRecord(3, "started", 2, None, {}, "w", None),
    ]
    assert curve_points(events, "auc") == {0: [(1, 0.5)], 1: [(1, 2.0)]}


def test_curves_record_keeps_the_most_recent_trials_and_marks_pruned():
    events = [_result(i, number=i // 2, step=i % 2, value=i / 100) for i in range(60)]
    traces = curves_record(events, {29: "pruned", 28: "complete"}, "auc", limit=3)
    assert [t.number for t in traces] == [27, 28, 29]
    assert traces[-1].pruned and traces[-1].name == "#29 pruned"
    assert traces[0].steps == [0, 1] and traces[0].values == [0.54, 0.55]
    figure = plot_curves(traces, "auc")
    assert [trace.name for trace in figure.data] == ["#27", "#28", "#29 pruned"]
    assert figure.data[2].line.dash == "dot"


def test_curves_change_drops_the_oldest_extends_and_adds():
    order = tuple(range(MAX_CURVES))
    points = {5: [(3, 0.9)], 100: [(0, 0.1), (1, 0.2)]}
    change = curves_change(order, points, pruned=[7])
    assert change.drop == 1
    assert change.order == (*range(1, MAX_CURVES), 100)
    assert change.extend == {4: [(3, 0.9)]}  # trial 5 moved from index 5 to 4
    assert change.pruned == [(6, 7)]
    assert [c.number for c in change.add] == [100]
    operations = curves_patch(change).to_plotly_json()["operations"]
    kinds = [op["operation"] for op in operations]
    assert kinds[0] == "Delete" and operations[0]["location"] == ["data", 0]
    assert kinds[-1] == "Append" and operations[-1]["params"]["value"]["name"] == "#100"
    assert {"operation": "Extend", "location": ["data", 4, "x"], "params": {"value": [3]}} in (
        operations
    )


def test_curves_change_with_nothing_new_is_no_update():
    change = curves_change((1, 2), {}, pruned=[])
    assert change.empty
    assert curves_patch(change) is dash.no_update


def _xaxis_ticks(figure) -> dict:
    axis = figure.to_plotly_json()["layout"]["xaxis"]
    return {key: axis[key] for key in ("tickmode", "tick0", "dtick") if key in axis}


def test_the_step_axis_ticks_whole_steps():
    folds = curves_record([_result(i, 0, i, 0.5 + i / 10) for i in range(3)], {}, "auc")
    assert _xaxis_ticks(plot_curves(folds, "auc")) == {"tickmode": "linear", "tick0": 0,
                                                       "dtick": 1}
    epochs = curves_record([_result(i, 0, i, 0.5) for i in range(200)], {}, "auc")
    assert _xaxis_ticks(plot_curves(epochs, "auc")) == {"tickmode": "auto"}
    assert _xaxis_ticks(plot_curves([], "auc"))["dtick"] == 1


def test_a_poll_past_a_dozen_steps_lets_plotly_choose_the_ticks():
    longer = curves_change((0,), {0: [(13, 0.9)]}, pruned=[])
    operations = curves_patch(longer).to_plotly_json()["operations"]
    assert {"operation": "Assign", "location": ["layout", "xaxis", "tickmode"],
            "params": {"value": "auto"}} in operations
    short = curves_change((0,), {0: [(3, 0.9)]}, pruned=[])
    assert all(op["location"][0] == "data"
               for op in curves_patch(short).to_plotly_json()["operations"])
