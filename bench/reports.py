"""Report and feature-impact speed: what a user waits for after pressing Export or opening the
Features tab.

- feature impact of a best trial (refit + SHAP) on built-in datasets, per model family;
- the run report (HTML) of runs with 1,000 and 10,000 trials, without and with feature
  impact, its size, and the PDF print by headless Chromium.

Prints a table and writes bench/results/reports.json.

    .venv/bin/python -m bench.reports [--trials 1000,10000]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from optunagui import store
from optunagui.analysis import compute_feature_impact
from optunagui.config import load_settings
from optunagui.reports import ReportOptions, build_run_report, find_chromium, html_to_pdf
from optunagui.store import Database
from tests.reports.report_data import write_run

RESULTS = Path(__file__).resolve().parent / "results" / "reports.json"
IMPACT_CASES = [
    ("iris", "random_forest", {"n_estimators": 100, "max_depth": 6}),
    ("breast_cancer", "random_forest", {"n_estimators": 100, "max_depth": 6}),
    ("breast_cancer", "logistic_regression", {"C": 1.0}),
    ("diabetes", "ridge", {"alpha": 1.0}),
    ("breast_cancer", "hist_gradient_boosting", {"max_iter": 100}),
]


def _impact(settings: Any) -> list[dict[str, Any]]:
    rows = []
    for dataset, model, params in IMPACT_CASES:
        spec = {"name": "bench", "dataset": {"builtin": dataset}, "model": model,
                "metrics": [], "split": {"method": "kfold", "folds": 3}}
        started = time.perf_counter()
        record = compute_feature_impact(spec, params, settings)
        rows.append({"dataset": dataset, "model": model, "explainer": record.explainer,
                     "rows_explained": record.sample_size,
                     "seconds": round(time.perf_counter() - started, 3)})
        print(f"feature impact  {dataset:14s} {model:24s} {record.explainer:12s} "
              f"{record.sample_size:4d} rows  {rows[-1]['seconds']:6.2f} s", flush=True)
    return rows


def _reports(settings: Any, sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    database = Database(settings.database_url)
    database.upgrade()
    with database.session() as session:
        user = store.create_user(session, "bench", "!")
        experiment_id = store.create_experiment(session, "bench", user.id).id
    for n in sizes:
        run_id = write_run(database, experiment_id, user.id, f"{n} trials", n_trials=n)
        for impact in (False, True):
            started = time.perf_counter()
            with database.session() as session:
                page = build_run_report(session, run_id, settings,
                                        ReportOptions(feature_impact=impact))
            html_s = time.perf_counter() - started
            row = {"trials": n, "feature_impact": impact, "html_seconds": round(html_s, 3),
                   "html_mb": round(len(page.encode()) / 1e6, 2)}
            if find_chromium() is not None and not impact:
                started = time.perf_counter()
                pdf = html_to_pdf(page)
                row.update(pdf_seconds=round(time.perf_counter() - started, 3),
                           pdf_kb=round(len(pdf) / 1e3, 1))
            rows.append(row)
            print(f"report  {n:6d} trials  feature impact {str(impact):5s}  html "
                  f"{row['html_seconds']:6.2f} s {row['html_mb']:5.2f} MB"
                  + (f"  pdf {row['pdf_seconds']:5.2f} s {row['pdf_kb']:7.1f} kB"
                     if "pdf_seconds" in row else ""), flush=True)
    database.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", default="1000,10000", help="comma-separated run sizes")
    args = parser.parse_args()
    sizes = [int(n) for n in args.trials.split(",") if n.strip()]
    with tempfile.TemporaryDirectory() as folder:
        import os

        os.environ["OPTUNAGUI_DATA_DIR"] = folder
        os.environ.pop("OPTUNAGUI_DATABASE_URL", None)
        settings = load_settings()
        result = {"machine": platform.platform(), "processor": platform.processor(),
                  "feature_impact": _impact(settings), "reports": _reports(settings, sizes)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
