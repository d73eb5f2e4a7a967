"""A quick-mode run says so wherever its results appear: the run page header, the runs table,
the compare page, the analysis page title and the command line's summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from dashapp import components
from optunagui.cli._runs import QUICK_LINE, format_summary, summarize_run
from optunagui.store import Run
from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback

RUN_SHOW = "..run-denied.children"
ANALYSIS_SHOW = "analysis-denied.children"
COMPARE_SHOW = "compare-problem.children"


def _make_quick(database, run_id: int, quick: bool = True) -> None:
    with database.session() as session:
        run = session.get(Run, run_id)
        run.spec = {**(run.spec or {}), "quick": quick}


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


@pytest.fixture
def quick_run(world, database) -> int:
    _make_quick(database, world.run_id)
    return world.run_id


def test_run_page_header_marks_a_quick_run(app, client_for, quick_run):
    body = _body(post_callback(client_for("vic"), app, callback_key(app, RUN_SHOW),
                               {"run_id": str(quick_run)}))
    header = json.dumps(body["run-header"]["children"])
    assert '"id": "run-quick-badge"' in header and '"children": "quick"' in header
    assert "Quick mode: few trials with aggressive pruning" in header


def test_run_page_header_of_a_full_run_has_no_quick_badge(app, client_for, world):
    body = _body(post_callback(client_for("vic"), app, callback_key(app, RUN_SHOW),
                               {"run_id": str(world.run_id)}))
    assert "run-quick-badge" not in json.dumps(body["run-header"]["children"])


def test_run_page_of_a_quick_run_refuses_outsiders(app, client_for, quick_run):
    response = post_callback(client_for("otto"), app, callback_key(app, RUN_SHOW),
                             {"run_id": str(quick_run)})
    text = response.get_data(as_text=True)
    assert "run-quick-badge" not in text and RUN_NAME not in text


def test_analysis_title_marks_a_quick_run(app, client_for, world, database):
    run_id = write_run(database, world.alpha, "quick-analysed", world.user_ids["ed"],
                       n_trials=12)
    _make_quick(database, run_id)
    body = _body(post_callback(client_for("vic"), app, callback_key(app, ANALYSIS_SHOW),
                               {"run_id": str(run_id)}))
    title = body["analysis-title"]["children"]
    assert title[0] == "quick-analysed · analysis"
    assert title[1]["props"]["children"] == "quick"
    assert title[1]["props"]["id"] == "analysis-quick-badge"
    refused = post_callback(client_for("otto"), app, callback_key(app, ANALYSIS_SHOW),
                            {"run_id": str(run_id)}).get_data(as_text=True)
    assert "quick-analysed" not in refused and "analysis-quick-badge" not in refused


def test_compare_labels_the_quick_run(app, client_for, world, database):
    ed = world.user_ids["ed"]
    folds = [0.0, -0.01, 0.005, -0.004, 0.002]
    full = write_run(database, world.alpha, "full", ed, seed=1, folds=folds)
    quick = write_run(database, world.alpha, "fast look", ed, seed=2, folds=folds)
    _make_quick(database, quick)
    body = _body(post_callback(client_for("vic"), app, callback_key(app, COMPARE_SHOW),
                               {"runs": f"{full},{quick}"}))
    names = [t["name"] for t in body["compare-overlay-number-graph"]["figure"]["data"]]
    assert names == [f"#{full} full", f"#{quick} fast look [quick]"]
    assert f"#{quick} fast look [quick]" in json.dumps(body["compare-table"]["children"])


@dataclass(frozen=True)
class _Row:
    id: int
    name: str
    quick: bool = False
    status: str = "completed"
    best_value: float | None = 0.9
    trials_complete: int = 20
    trials_pruned: int = 0
    trials_failed: int = 0
    started_by: str | None = "ed"
    started_at: datetime | None = datetime(2026, 1, 1, tzinfo=UTC)
    created_at: datetime | None = None


def _name_cells(table: Any) -> list[str]:
    text = json.dumps(table.to_plotly_json(), default=lambda o: o.to_plotly_json())
    rows = json.loads(text)["props"]["children"][1]["props"]["children"]
    return [json.dumps(row["props"]["children"][0]) for row in rows]


def test_runs_table_puts_a_quick_badge_next_to_quick_runs_only():
    table = components.runs_table([_Row(1, "fast", quick=True), _Row(2, "full")],
                                  link_runs=True, baseline_id=2)
    fast, full = _name_cells(table)
    assert '"children": "quick"' in fast and "run-quick-badge" in fast
    assert "run-quick-badge" not in full and "run-baseline-badge" in full


def test_status_summary_says_quick(database, world):
    _make_quick(database, world.run_id)
    summary = summarize_run(database, world.run_id)
    assert summary.quick is True
    lines = format_summary(summary).splitlines()
    assert lines[1] == QUICK_LINE and "first look" in QUICK_LINE
    _make_quick(database, world.run_id, quick=False)
    assert QUICK_LINE not in format_summary(summarize_run(database, world.run_id))
