"""Scatter, timeline, trials table and header: records checked, then their figures' data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash

from dashapp.pages.run.live.grid import column_defs, grid_query, grid_row, param_kinds
from dashapp.pages.run.live.header import header_record
from dashapp.pages.run.live.records import RunInfo, TrialRecord
from dashapp.pages.run.live.scatter import param_names, plot_scatter, scatter_patch, scatter_record
from dashapp.pages.run.live.timeline import lane, plot_timeline, timeline_patch, timeline_record

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _trial(number: int, state: str, value: float | None = None, **extra) -> TrialRecord:
    fields = {
        "number": number,
        "state": state,
        "values": (value,) if value is not None else (),
        "params": {"lr": 0.1 * (number + 1), "booster": "gbtree" if number % 2 else "dart"},
        "started_at": T0 + timedelta(seconds=10 * number),
        "finished_at": T0 + timedelta(seconds=10 * number + 4) if state != "running" else None,
        "worker": "node-1",
    }
    fields.update(extra)
    return TrialRecord(**fields)


TRIALS = [
    _trial(0, "complete", 0.7),
    _trial(1, "pruned"),
    _trial(2, "complete", 0.9, gpu_ids=(0, 1)),
    _trial(3, "failed", error="boom"),
    _trial(4, "running"),
]


def test_scatter_record_takes_complete_trials_having_both_params():
    trials = [*TRIALS, _trial(5, "complete", 0.8, params={"lr": 0.3})]
    record = scatter_record(trials, "lr", "booster", metric="auc", direction="minimize")
    assert record.x == [0.1, 0.30000000000000004] and record.y == ["dart", "dart"]
    assert record.color == [0.7, 0.9] and record.numbers == [0, 2]
    figure = plot_scatter(record, log_x=True)
    assert list(figure.data[0].marker.color) == [0.7, 0.9]
    assert figure.data[0].marker.reversescale is True
    assert figure.layout.xaxis.type == "log"


def test_scatter_patch_extends_points_and_colours():
    operations = scatter_patch([_trial(6, "complete", 0.5)], "lr", "booster").to_plotly_json()
    values = {tuple(op["location"]): op["params"]["value"] for op in operations["operations"]}
    assert values[("data", 0, "x")] == [0.7000000000000001]
    assert values[("data", 0, "marker", "color")] == [0.5]
    assert scatter_patch([_trial(7, "pruned")], "lr", "booster") is dash.no_update


def test_param_names_put_the_space_first():
    assert param_names(TRIALS, {"booster": {}, "depth": {}}) == ["booster", "depth", "lr"]


def test_timeline_has_one_lane_per_worker_and_gpu_and_bars_by_outcome():
    record = timeline_record(TRIALS)
    assert record.bars["complete"].lanes == ["node-1", "node-1 · GPU 0,1"]
    assert record.bars["complete"].durations_ms == [4000.0, 4000.0]
    assert record.bars["complete"].starts[1] == "2026-01-01T00:00:20.000"
    assert record.bars["pruned"].numbers == [1] and record.bars["failed"].numbers == [3]
    figure = plot_timeline(record)
    assert [trace.name for trace in figure.data] == ["complete", "pruned", "failed"]
    assert list(figure.data[1].customdata) == [1]
    assert lane(_trial(9, "complete", worker=None)) == "unknown worker"


def test_an_empty_timeline_says_so_instead_of_drawing_an_arbitrary_day():
    figure = plot_timeline(timeline_record([_trial(0, "running")]))
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False
    assert "No finished trial yet" in figure.layout.annotations[0].text
    shown = plot_timeline(timeline_record(TRIALS))
    assert shown.layout.xaxis.visible is True and not shown.layout.annotations


def test_timeline_patch_appends_finished_trials_only():
    patch = timeline_patch([_trial(5, "pruned"), _trial(6, "running")])
    operations = patch.to_plotly_json()["operations"]
    data = [op for op in operations if op["location"][0] == "data"]
    assert {op["location"][1] for op in data} == {1}
    layout = {tuple(op["location"]): op["params"].get("value") for op in operations
              if op["location"][0] == "layout"}
    assert layout[("layout", "xaxis", "visible")] is True
    assert layout[("layout", "annotations")] == []
    assert timeline_patch([_trial(6, "running")]) is dash.no_update


def test_grid_rows_use_positional_fields_and_show_the_error_line():
    columns = column_defs(["auc"], ["lr", "<b>booster</b>"], {"<b>booster</b>": "text"})
    fields = [c["field"] for c in columns]
    assert fields[:3] == ["number", "state", "v0"] and "p1" in fields
    assert {"field": "p1", "headerName": "<b>booster</b>", "filter": "agTextColumnFilter",
            "minWidth": 110, "tooltipField": "p1_full"} in columns
    row = grid_row(_trial(3, "failed", error="Traceback\n  x\nValueError: bad"), ["lr"], 1)
    assert row["id"] == "3" and row["error"] == "ValueError: bad" and row["v0"] is None
    assert row["duration"] == 4.0 and row["p0"] == "0.4" and "p0_full" not in row


def test_grid_rows_show_floats_as_the_header_does_with_full_precision_on_hover():
    columns = {c["field"]: c for c in column_defs(["auc", "loss"], ["lr", "depth", "kind"])}
    assert columns["v0"]["tooltipField"] == "v0_full"
    assert columns["p0"]["tooltipField"] == "p0_full"
    trial = _trial(1, "complete", values=(0.9499999999999998, 123456789.0),
                   params={"lr": 0.1 + 0.2, "depth": 7, "kind": "gbdt"})
    row = grid_row(trial, ["lr", "depth", "kind"], 2)
    assert (row["v0"], row["v0_full"]) == ("0.95", "0.9499999999999998")
    assert (row["v1"], row["v1_full"]) == ("1.23457e+08", "123456789.0")
    assert (row["p0"], row["p0_full"]) == ("0.3", "0.30000000000000004")
    assert (row["p1"], row["p2"]) == (7, "gbdt") and "p1_full" not in row


def test_param_kinds_follow_the_values():
    kinds = param_kinds(TRIALS, ["lr", "booster", "unseen"])
    assert kinds == {"lr": "number", "booster": "text", "unseen": "number"}


def test_grid_query_maps_columns_sort_and_filters_to_store_fields():
    request = {
        "startRow": 100, "endRow": 150,
        "sortModel": [{"colId": "v0", "sort": "desc"}, {"colId": "p1", "sort": "asc"},
                      {"colId": "p9", "sort": "asc"}, {"colId": "gpus", "sort": "asc"}],
        "filterModel": {
            "state": {"filterType": "text", "type": "equals", "filter": "complete"},
            "p0": {"filterType": "number", "operator": "OR", "conditions": [
                {"type": "lessThan", "filter": 0.1}, {"type": "inRange", "filter": 1,
                                                      "filterTo": 2}]},
            "constructor": {"type": "equals", "filter": 1},
        },
    }
    query = grid_query(request, ["lr", "booster"], {"p0": "number", "p1": "text"})
    assert (query.offset, query.limit) == (100, 50)
    assert [(s.field, s.descending) for s in query.sort] == [
        (("value", 0), True), (("param", "booster", "text"), False)]
    by_field = {f.field: f for f in query.filters}
    assert set(by_field) == {"state", ("param", "lr", "number")}
    lr = by_field[("param", "lr", "number")]
    assert lr.any_of and [c.op for c in lr.conditions] == ["lessThan", "inRange"]
    assert lr.conditions[1].value_to == 2


def test_grid_query_bounds_what_a_request_can_ask():
    query = grid_query({"startRow": -5, "endRow": 10**9}, [], {})
    assert query.offset == 0 and query.limit == 500
    assert grid_query("not a request", [], {}).limit == 100


def _run(**changes) -> RunInfo:
    fields = dict(
        id=1, experiment_id=1, name="r", status="running", status_reason=None, metric="auc",
        direction="maximize", metric_names=("auc",), n_trials_budget=40, timeout_s=None,
        cpu_per_trial=2.0, gpu_per_trial=0.5, created_at=T0, started_at=T0, finished_at=None,
        pending_control={"kind": "pause"}, space={},
    )
    fields.update(changes)
    return RunInfo(**fields)


def test_header_progress_eta_resources_and_pending_request():
    counts = {"complete": 8, "pruned": 1, "failed": 1, "running": 4}
    record = header_record(
        _run(), counts, best=(2, 0.9), best_params={"lr": 0.3},
        workers=["node-1", "node-2", "node-1"], now=T0 + timedelta(seconds=100),
    )
    assert record.done == 10 and record.percent == 25.0
    assert record.elapsed_s == 100.0 and record.eta_s == 300.0
    assert record.running_cpu == 8.0 and record.running_gpu == 2.0
    assert record.workers == ("node-1", "node-2") and record.pending == "pause"
    assert record.best_value == 0.9 and record.advice is None


def test_header_of_a_failed_run_says_why_and_what_to_do():
    run = _run(status="failed", status_reason="dataset missing", finished_at=T0 + timedelta(60))
    record = header_record(run, {}, best=None, best_params={}, workers=[], now=T0)
    assert record.reason == "dataset missing" and record.pending is None
    assert "Re-run with one change" in record.advice and record.eta_s is None
