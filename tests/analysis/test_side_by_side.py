from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from optunagui.analysis import (
    RunInput,
    compute_overlay,
    compute_side_by_side,
    draw_overlay,
    draw_side_by_side,
    load_final_metrics,
)
from optunagui.store import Database

from .conftest import T0, StoreRun, make_spec
from .html_figures import html_traces

SPACE = {"lr": {"type": "float", "low": 0.001, "high": 0.1, "log": True},
         "depth": {"type": "int", "low": 2, "high": 8}}
METRICS = [{"name": "auc", "direction": "maximize"}]


def _rows(values: list[float], depth: int, seconds: float) -> list[dict]:
    return [{"number": i, "state": "complete", "values": [v],
             "params": {"lr": 0.01, "depth": depth if i == int(np.argmax(values)) else 2},
             "started_at": T0 + timedelta(seconds=seconds * i),
             "finished_at": T0 + timedelta(seconds=seconds * (i + 1)),
             "duration_s": seconds} for i, v in enumerate(values)]


@pytest.fixture
def runs(db: Database, store_run: StoreRun, load) -> list[RunInput]:
    spec_a = {**make_spec(SPACE, METRICS), "model": "lightgbm", "budget": {"n_trials": 4}}
    spec_b = {**make_spec(SPACE, METRICS), "model": "xgboost", "budget": {"n_trials": 5}}
    spec_c = {**make_spec(SPACE, METRICS), "model": "lightgbm", "budget": {"n_trials": 3}}
    a = store_run(spec_a, _rows([0.70, 0.80, 0.75, 0.82], 5, 1.0),
                  [{"kind": "completed", "trial_number": 3,
                    "metrics": {"auc": 0.82, "accuracy": 0.9}}])
    b_rows = _rows([0.60, 0.85, 0.84, 0.70], 7, 2.0)
    b_rows.append({"number": 4, "state": "pruned", "params": {"lr": 0.02, "depth": 3}})
    b = store_run(spec_b, b_rows, [{"kind": "completed", "trial_number": 1,
                                    "metrics": {"auc": 0.85, "accuracy": 0.8}}])
    c = store_run(spec_c, _rows([0.50, 0.55, 0.60], 5, 3.0))
    out = []
    for label, run_id, spec in (("A", a, spec_a), ("B", b, spec_b), ("C", c, spec_c)):
        with db.session() as session:
            finals = load_final_metrics(session, run_id)
        out.append(RunInput(label, load(run_id), spec, finals))
    return out


def test_side_by_side_record(runs: list[RunInput]) -> None:
    record = compute_side_by_side(runs)
    assert record.labels == ("A", "B", "C") and record.metric == "auc"
    assert record.best_values == (0.82, 0.85, 0.60) and record.best_numbers == (3, 1, 2)
    assert record.metrics == {"accuracy": (0.9, 0.8, None)}
    assert record.params == {"lr": (0.01, 0.01, 0.01), "depth": (5, 7, 5)}
    assert record.differing == frozenset({"depth"})
    assert record.counts["complete"] == (4, 4, 3) and record.counts["pruned"] == (0, 1, 0)
    assert record.budgets == (4, 5, 3)
    assert record.wall_s == pytest.approx((4.0, 8.0, 9.0))
    assert record.compute_s == pytest.approx((4.0, 8.0, 9.0))
    assert record.best_of_family == {"lightgbm": "A", "xgboost": "B"}
    table = draw_side_by_side(record).data[0]
    assert list(table.header.values) == ["", "A ★", "B ★", "C"]
    names = list(table.cells.values[0])
    assert table.cells.values[2][names.index("param: depth")] == "7"
    assert table.cells.fill.color[0][names.index("param: depth")] == "#fff3c4"


def test_convergence_overlay_by_number_and_time(runs: list[RunInput]) -> None:
    by_number = compute_overlay(runs)
    assert by_number.x[0].tolist() == [0, 1, 3] and by_number.y[0].tolist() == [0.7, 0.8, 0.82]
    assert by_number.x[1].tolist() == [0, 1, 3] and by_number.y[1].tolist() == [0.6, 0.85, 0.85]
    by_time = compute_overlay(runs, by="time")
    assert by_time.x[1].tolist() == pytest.approx([2.0, 4.0, 8.0])
    html_trace = html_traces(draw_overlay(by_time).to_html())[1]
    assert html_trace["name"] == "B"
    np.testing.assert_allclose(html_trace["y"], [0.6, 0.85, 0.85])
    with pytest.raises(ValueError, match="by must be"):
        compute_overlay(runs, by="rank")
