"""The run report's content: setup, results with fold spread, figures, notes (escaped), the
control timeline, environment and timings; its PDF; the experiment report's verdicts."""

from __future__ import annotations

import re

import pytest

from optunagui import store
from optunagui.cli import main
from optunagui.reports import (
    ReportOptions,
    build_experiment_report,
    build_run_report,
    find_chromium,
    html_to_pdf,
)
from optunagui.store import Database
from optunagui.store.tables import Run
from tests.factories import add_experiment, add_run
from tests.reports.report_data import SPEC, write_run, write_test_result

SECTIONS = ["What was run", "Search space", "Results", "Validation metrics per fold",
            "Convergence", "Hyperparameter importance", "Feature impact of the best trial",
            "Pruning and diagnosis", "Notes", "Run timeline", "Environment", "Timings"]
FAST = ReportOptions(feature_impact=False)


@pytest.fixture
def people(db):
    with db.session() as session:
        user, experiment = add_experiment(session, "iris study", description="Which *depth*?")
        return user.id, experiment.id


def _cells(page: str, label: str) -> str:
    match = re.search(rf"<td>{re.escape(label)}</td><td>([^<]*)</td>", page)
    assert match, label
    return match.group(1)


def test_run_report_states_setup_results_and_history(db, people, tmp_settings):
    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "depth sweep")
    write_test_result(tmp_settings, run_id, 0.9667)
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings, FAST)
    headings = re.findall(r"<h[23]>([^<]*)</h[23]>", page)
    for section in SECTIONS:
        assert any(h.startswith(section) for h in headings), section
    assert _cells(page, "Dataset") == "built-in iris"
    assert _cells(page, "Shape") == "150 rows × 5 columns"
    assert _cells(page, "Split") == "stratified_kfold, 5 folds, test share 0.2, seed 3"
    assert _cells(page, "Sampler") == "random, seed 0"
    assert _cells(page, "Pruner") == "asha"
    assert _cells(page, "Preprocessing") == "other columns: the defaults for the model"
    assert _cells(page, "Rows without a target (left out)") == "0"
    # The range changed mid-run is shown next to the original one.
    assert re.search(r"<td>max_depth</td><td>int</td><td>\[2, 8\]</td><td>\[2, 12\]</td>", page)
    # The best trial: deepest trees win in this planted run.
    best = re.search(r"<h3>Best trial: (\d+)</h3>", page)
    assert best is not None
    assert re.search(r"<td>max_depth</td><td>8</td>", page)
    # Fold spread of the best trial's accuracy: five folds, mean equal to the value.
    spread = re.search(r"<td>accuracy</td><td>([\d.]+)</td><td>([\d.]+)</td><td>([\d.]+)</td>"
                       r"<td>([\d.]+)</td><td>5</td>", page)
    assert spread is not None and float(spread.group(4)) - float(spread.group(3)) == \
        pytest.approx(0.016, abs=1e-9)
    assert "Held-out test score" in page and "0.9667" in page
    assert "control: ranges" in page and "applied" in page
    assert re.search(r"<td>scikit-learn</td><td>\d+\.\d+", page)
    # No driver recorded this planted run's environment: the report's own is shown, and said so.
    assert _cells(page, "Recorded") == "when this report was made"
    assert _cells(page, "Wall time of the run (s)") == "600"
    assert _cells(page, "Trial time, summed (s)") == "360"
    # Convergence, history, importance, pruning and workers are drawn.
    assert page.count('class="report-figure"') == 5
    # The history of each parameter gets the height its subplots ask for, not one figure's.
    heights = [int(h) for h in re.findall(r'class="report-figure" style="height:(\d+)px"', page)]
    assert 480 in heights and 420 in heights and len(set(heights)) > 2
    assert "Not computed for this report" in page


def test_report_states_the_preprocessing_the_run_applied(db, people, tmp_settings):
    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "scaled")
    with db.session() as session:
        run = session.get(Run, run_id)
        run.spec = {**run.spec, "features": {
            "transforms": {"petal length (cm)": "log1p"}, "rows_without_target": 3,
            "applied": {"petal length (cm)": "log1p", "petal width (cm)": "standardize"}}}
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings, FAST)
    assert _cells(page, "Preprocessing") == ("petal length (cm): log1p; "
                                             "petal width (cm): standardize")
    assert _cells(page, "Rows without a target (left out)") == "3"


def test_report_shows_the_environment_the_run_started_in(db, people, tmp_settings):
    from optunagui.store.runs import set_run_environment

    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "recorded", n_trials=5)
    with db.session() as session:
        set_run_environment(session, run_id, packages={"python": "3.11.9", "optuna": "3.6.0",
                                                       "scikit-learn": "1.4.2"},
                            cluster={"resources": {"CPU": 16.0, "GPU": 2.0,
                                                   "memory": 8 * 2**30}, "nodes": 3})
        set_run_environment(session, run_id, packages={"python": "3.12.0", "optuna": "4.0.0"},
                            cluster={"resources": {"CPU": 4.0}, "nodes": 1})
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings, FAST)
    assert _cells(page, "Recorded") == "when the run started"
    # The first start's versions, not this process's nor the resume's.
    assert _cells(page, "optuna") == "3.6.0" and _cells(page, "scikit-learn") == "1.4.2"
    assert _cells(page, "python") == "3.11.9"
    assert "<td>plotly</td>" not in page
    assert _cells(page, "Nodes at the start") == "3"
    assert _cells(page, "Resources at the start") == "CPU 16, GPU 2, memory 8.0 GiB"
    assert re.search(r"<td>Nodes at resume 1 \([^)]*\)</td><td>1</td>", page)
    assert re.search(r"<td>Resources at resume 1 \([^)]*\)</td><td>CPU 4</td>", page)


def test_notes_are_rendered_without_running_anything(db, people, tmp_settings):
    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "notes")
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings, FAST)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    assert "<strong>matters</strong>" in page
    assert 'href="javascript' not in page


def test_report_of_a_run_without_trials_says_so(db, people, tmp_settings):
    user_id, experiment_id = people
    with db.session() as session:
        run_id = add_run(session, experiment_id, SPEC, "empty", created_by=user_id).id
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings)
    assert "No trial has completed, so there is no best result yet." in page
    assert page.count('class="report-figure"') == 0
    with db.session() as session, pytest.raises(LookupError, match="run 999 does not exist"):
        build_run_report(session, 999, tmp_settings)


def test_report_with_feature_impact_refits_the_best_model(db, people, tmp_settings):
    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "impact", n_trials=10)
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings)
    assert "refitted on" in page and "TreeExplainer" in page
    assert "petal" in page  # iris's informative columns are named in the figures


def test_experiment_report_compares_runs_against_the_baseline(db, people):
    user_id, experiment_id = people
    base = write_run(db, experiment_id, user_id, "baseline run", seed=1)
    better = write_run(db, experiment_id, user_id, "better run", shift=0.02, seed=1)
    with db.session() as session:
        store.set_baseline_run(session, experiment_id, base)
    with db.session() as session:
        page = build_experiment_report(session, experiment_id)
    assert f"Baseline: #{base} baseline run." in page
    assert f"#{base} baseline run (baseline)" in page
    assert "<em>depth</em>" in page
    verdict = re.search(r"<td>#\d+ [a-z ]+</td><td>#\d+ [a-z ]+</td><td>5</td>.*?</tr>", page)
    assert verdict is not None
    row = verdict.group(0)
    assert f"#{better} better run" in row and "+0.02 accuracy" in row
    assert page.count('class="report-figure"') == 3


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_pdf_has_the_report_pages(db, people, tmp_settings):
    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "pdf")
    with db.session() as session:
        pdf = html_to_pdf(build_run_report(session, run_id, tmp_settings, FAST))
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 4 <= pages <= 20


def test_cli_report(tmp_settings, tmp_path, capsys, monkeypatch):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    with database.session() as session:
        user, experiment = add_experiment(session, "cli")
        experiment_id = experiment.id
    run_id = write_run(database, experiment_id, user.id, "cli run", n_trials=8)
    database.dispose()

    target = tmp_path / "r.html"
    assert main(["report", str(run_id), "--no-feature-impact", "-o", str(target)]) == 0
    assert "<h2>Results</h2>" in target.read_text()
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--experiment", str(experiment_id)]) == 0
    assert (tmp_path / f"experiment-{experiment_id}-report.html").is_file()
    assert main(["report"]) == 2
    assert "give a RUN_ID or --experiment ID" in capsys.readouterr().err
    assert main(["report", "404"]) == 1
    assert "run 404 does not exist" in capsys.readouterr().err
    monkeypatch.setenv("OPTUNAGUI_CHROMIUM", str(tmp_path / "no-browser"))
    assert main(["report", str(run_id), "--format", "pdf", "--no-feature-impact"]) == 1
    assert "PDF reports need Chromium" in capsys.readouterr().err


def test_a_known_feature_impact_of_the_best_trial_is_used_without_a_refit(db, people,
                                                                          tmp_settings):
    import html
    from dataclasses import replace

    from optunagui.analysis import compute_feature_impact

    user_id, experiment_id = people
    run_id = write_run(db, experiment_id, user_id, "known impact", n_trials=10)
    with db.session() as session:
        best = store.get_best_trial(session, run_id)
        known = compute_feature_impact(SPEC, best.params, tmp_settings, run_id=run_id,
                                       trial_number=best.number)
        run = store.get_run(session, run_id)
        # From now on a refit would fail: the dataset file is gone.
        run.spec = {**SPEC, "dataset": {"path": str(tmp_settings.data_dir / "gone.csv"),
                                        "target": "target"}}
    with db.session() as session:
        page = build_run_report(session, run_id, tmp_settings,
                                ReportOptions(known_feature_impact=known))
        stale = build_run_report(session, run_id, tmp_settings, ReportOptions(
            known_feature_impact=replace(known, trial_number=best.number + 100)))
    assert html.escape(known.note) in page
    assert "Feature impact could not be computed" not in page
    assert "Feature impact could not be computed" in stale
