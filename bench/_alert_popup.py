"""From a trial's result to the alert's pop-up in the browser, end to end: a real `optunagui
serve` on a SQLite file with its alert loops, a signed-in Chromium page open on the experiment,
a rule "roc_auc > 0.97" on the run; each sample writes one trial's result into the database (as
a run's driver does) and waits until the pop-up on the open page names that trial. The time
covers the evaluator's tick, the inbox write, the page's poll and the drawing."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._browser import bare_env, chromium, free_port, server, sign_in_page
from optunagui.alerts import create_rule
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    update_run_status,
)
from optunagui.store import users as user_store

PASSWORD = "bench-admin-password"
TARGET_S = 2.0
SPEC = {"metrics": [{"name": "roc_auc", "direction": "maximize"}]}
TOAST_JS = """(number) => {
  const toast = document.querySelector('#shell-alert-toast');
  if (toast === null || !toast.textContent.includes(`on trial ${number} of`)) return false;
  const box = toast.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(toast).visibility !== 'hidden';
}"""


def _world(database: Database) -> tuple[int, int]:
    with database.session() as session:
        admin = user_store.get_user_by_name(session, "admin")
        assert admin is not None
        experiment = create_experiment(session, "alerts bench", admin.id)
        run = create_run(session, experiment.id, "live", SPEC, created_by=admin.id)
        update_run_status(session, run.id, "running")
        create_rule(session, experiment.id, name="AUC above 0.97", kind="metric_threshold",
                    params={"metric": "roc_auc", "op": ">", "value": 0.97},
                    created_by=admin.id)
        return experiment.id, run.id


def measure_popup(samples: int = 8, gap_s: float = 16.0) -> dict[str, Any]:
    """Median and spread of the delay over ``samples`` alerts, ``gap_s`` apart (the pop-up
    stays up 15 s; a new one replaces it)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="og-alert-popup-") as folder:
        data_dir = Path(folder) / "data"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = bare_env(OPTUNAGUI_DATA_DIR=str(data_dir), OPTUNAGUI_ADMIN_PASSWORD=PASSWORD)
        command = [str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "optunagui"),
                   "serve", "--host", "127.0.0.1", "--port", str(port), "--no-follower"]
        with server(command, env, base + "/login", Path(folder) / "serve.log"):
            database = Database(f"sqlite:///{data_dir / 'optunagui.db'}")
            try:
                experiment_id, run_id = _world(database)
                delays = _samples(sync_playwright, database, base, experiment_id, run_id,
                                  samples, gap_s)
            finally:
                database.dispose()
    shown = [d for d in delays if d is not None]
    return {"samples": samples, "shown": len(shown),
            "median_s": statistics.median(shown) if shown else None,
            "max_s": max(shown) if shown else None, "min_s": min(shown) if shown else None,
            "delays_s": delays, "target_s": TARGET_S}


def _samples(sync_playwright: Any, database: Database, base: str, experiment_id: int,
             run_id: int, samples: int, gap_s: float) -> list[float | None]:
    delays: list[float | None] = []
    with sync_playwright() as playwright, chromium(playwright) as context:
        page = context.new_page()
        sign_in_page(page, base, "admin", PASSWORD)
        page.goto(f"{base}/experiments/{experiment_id}")
        page.wait_for_timeout(5000)  # the pop-up's first poll remembers where the inbox is
        for number in range(samples):
            started = time.monotonic()
            with database.session() as session:
                append_events(session, run_id, [{"kind": "completed", "trial_number": number,
                                                 "metrics": {"roc_auc": 0.98}}])
            try:
                page.wait_for_function(TOAST_JS, arg=number, polling=20, timeout=10_000)
                delays.append(round(time.monotonic() - started, 3))
            except Exception:  # noqa: BLE001 - a pop-up not shown in 10 s counts as missing
                delays.append(None)
            page.wait_for_timeout(max(0.0, gap_s - (time.monotonic() - started)) * 1000)
    return delays
