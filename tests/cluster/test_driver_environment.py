"""The driver records the environment it runs in: package versions and the Ray cluster, one
entry per start, so a resumed run keeps both."""

from __future__ import annotations

import platform
from datetime import datetime

import optuna
import pytest
import sklearn

from cluster.driver.main import run_driver
from optunagui import store
from optunagui.pipeline import pipeline_log
from optunagui.reports import ReportOptions, build_run_report
from optunagui.reports.facts import collect_run_facts
from optunagui.store import Run
from tests.cluster._runs import make_run, make_spec, steps_objective
from tests.cluster.conftest import RAY_TEST_CPUS, RAY_TEST_GPUS

pytestmark = pytest.mark.ray


def test_driver_records_packages_and_cluster_and_a_resume_adds_an_entry(
        ray_local, tmp_settings, sqlite_db):
    spec = make_spec(budget={"n_trials": 2, "max_concurrent": 1})
    run_id, _ = make_run(sqlite_db, spec)

    assert run_driver(run_id, tmp_settings, evaluate=steps_objective(2),
                      poll_interval_s=0.2) == "completed"

    with sqlite_db.session() as session:
        run = store.get_run(session, run_id)
        entries = list(run.environment)
        started_at = run.started_at
    assert len(entries) == 1
    entry = entries[0]
    packages = entry["packages"]
    assert packages["python"] == platform.python_version()
    assert packages["optuna"] == optuna.__version__
    assert packages["ray"] == ray_local.__version__
    assert packages["scikit-learn"] == sklearn.__version__
    assert {"numpy", "pandas"} <= set(packages)
    cluster = entry["cluster"]
    assert cluster["nodes"] == 1
    assert cluster["resources"]["CPU"] == RAY_TEST_CPUS
    assert cluster["resources"]["GPU"] == RAY_TEST_GPUS
    assert not any(name.startswith("node:") for name in cluster["resources"])
    recorded_at = datetime.fromisoformat(entry["at"])
    assert abs((recorded_at - started_at).total_seconds()) < 120

    # A driver that died leaves "running"; resuming it records a second entry.
    with sqlite_db.session() as session:
        session.get(Run, run_id).status = "running"
    assert run_driver(run_id, tmp_settings, resume=True, evaluate=steps_objective(2),
                      poll_interval_s=0.2) == "completed"
    with sqlite_db.session() as session:
        entries = list(store.get_run(session, run_id).environment)
        steps = pipeline_log(session, run_id)
        facts = collect_run_facts(session, run_id)
        page = build_run_report(session, run_id, options=ReportOptions(feature_impact=False))
    assert len(entries) == 2 and entries[0] == entry
    assert datetime.fromisoformat(entries[1]["at"]) > recorded_at
    titles = [s["title"] for s in steps if s["key"] == "environment"]
    assert titles == ["Environment at the start", "Environment at resume 1"]
    trials = next(s["fields"] for s in steps if s["key"] == "trials")
    assert trials["complete"] == 2 and trials["best_trial"] is not None
    assert facts.environment_recorded and facts.environment == packages
    assert "<td>Recorded</td><td>when the run started</td>" in page
    assert "<td>Nodes at the start</td><td>1</td>" in page
