"""The files a finished run leaves in its folder: plots as HTML and best_params.json."""

from __future__ import annotations

import json

from optunagui.exports.run_outputs import write_run_outputs
from tests.exports.test_run_files import SPEC, _write_run
from tests.factories import timed, write_run


def test_a_finished_run_leaves_its_plots_and_best_params(db, tmp_path):
    run_id = _write_run(db)
    with db.session() as session:
        outputs = write_run_outputs(session, run_id, tmp_path / "runs")
    folder = tmp_path / "runs" / str(run_id)
    assert outputs.folder == folder and outputs.skipped == {}
    assert {p.name for p in outputs.written} == {
        "best_params.json", "optimization_history.html", "param_importances.html",
        "parallel_coordinate.html"}
    best = json.loads((folder / "best_params.json").read_text())
    assert best["trial_number"] == 1 and best["value"] == 0.95
    page = (folder / "parallel_coordinate.html").read_text()
    assert 'src="plotly.min.js"' in page and "n_estimators" in page
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000  # one copy for all pages


def test_a_run_without_a_complete_trial_says_what_it_left_out(db, tmp_path):
    run_id = write_run(db, SPEC, trials=timed([
        {"number": 0, "state": "failed", "values": None, "params": {"n_estimators": 30},
         "error": "ValueError: boom"}]))
    with db.session() as session:
        outputs = write_run_outputs(session, run_id, tmp_path / "runs")
    assert outputs.written == []
    assert "no complete trial" in outputs.skipped["best_params.json"]
    assert outputs.skipped["optimization_history.html"] == "no complete trial"
