"""Live run page speed: a run with 10,000 trials already stored, then new events arriving.

Measured through the app's own callback endpoint (``POST /_dash-update-component``, signed in,
on a SQLite file), so the times include the permission check, the reads and the JSON answer:

- first render: the run page's first callback (header, every view, the trials table), median
  of several loads; target under 1 s;
- polls: after each batch of new trials is written the way the driver writes them (trial rows
  plus started/result/completed events), one poll by cursor; target under 50 ms, with the
  answer's size growing with the number of new events, not with the 10,000 stored trials.

Prints a table and writes bench/results/live.json.

    .venv/bin/python -m bench.live [--trials 10000] [--loads 5] [--polls 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dashapp.app import create_app
from optunagui.accounts import hash_password
from optunagui.config import load_settings
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    create_user,
    update_run_status,
    upsert_trials,
)

RESULTS = Path(__file__).resolve().parent / "results" / "live.json"
PASSWORD = "bench password 123"
SPACE = {
    "learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
    "max_depth": {"type": "int", "low": 2, "high": 12},
    "subsample": {"type": "float", "low": 0.5, "high": 1.0},
    "booster": {"type": "categorical", "choices": ["gbtree", "dart"]},
}
STEPS_PER_TRIAL = 3
T0 = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_RENDER_TARGET_S = 1.0
POLL_TARGET_S = 0.050


def _trial(number: int, state: str) -> dict[str, Any]:
    started = T0 + timedelta(seconds=2 * number)
    row: dict[str, Any] = {
        "number": number,
        "state": state,
        "params": {
            "learning_rate": 0.001 + (number % 97) / 400,
            "max_depth": 2 + number % 11,
            "subsample": 0.5 + (number % 13) / 26,
            "booster": ("gbtree", "dart")[number % 2],
        },
        "started_at": started,
        "worker": f"node-{number % 4}",
        "gpu_ids": [],
    }
    if state != "running":
        row.update(finished_at=started + timedelta(seconds=1.5), duration_s=1.5)
    if state == "complete":
        row["values"] = [0.7 + (number * 7919 % 1000) / 4000]
    return row


def _events(number: int, state: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"kind": "started", "trial_number": number, "worker": f"node-{number % 4}"}
    ]
    for step in range(STEPS_PER_TRIAL):
        value = 0.5 + step / 10 + (number % 10) / 100
        events.append({"kind": "result", "trial_number": number, "step": step,
                       "metrics": {"accuracy": value}})
    if state != "running":
        events.append({"kind": "completed" if state == "complete" else state,
                       "trial_number": number})
    return events


def _state_of(number: int) -> str:
    return "pruned" if number % 5 == 4 else "complete"


def _seed(database: Database, n_trials: int) -> tuple[int, int]:
    with database.session() as session:
        user = create_user(session, "bench", hash_password(PASSWORD))
        experiment = create_experiment(session, "Live bench", user.id)
        spec = {"metrics": [{"name": "accuracy", "direction": "maximize"}]}
        run = create_run(session, experiment.id, "live bench run", spec, created_by=user.id)
        run.current_space = SPACE
        run.n_trials_budget = n_trials * 2
        update_run_status(session, run.id, "running")
        run_id = run.id
    for start in range(0, n_trials, 1000):
        numbers = range(start, min(start + 1000, n_trials))
        with database.session() as session:
            upsert_trials(session, run_id, [_trial(n, _state_of(n)) for n in numbers])
            append_events(session, run_id, [e for n in numbers for e in _events(n, _state_of(n))])
    return run_id, user.id


class Browser:
    """A signed-in client that posts the run page's callbacks the way the browser does."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.server.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF field on the sign-in page"
        response = self.client.post(
            "/login",
            data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1),
                  "next": ""},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        self.client.get("/experiments")
        cookie = self.client.get_cookie("_csrf_token")
        self.headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}

    def _key(self, fragment: str) -> str:
        keys = [k for k, v in self.app.callback_map.items() if fragment in k and "callback" in v]
        assert len(keys) == 1, (fragment, keys)
        return keys[0]

    def post(self, fragment: str, values: dict[str, Any]) -> tuple[float, int, Any]:
        """Post one callback; returns (seconds, answer bytes, decoded answer or None)."""
        key = self._key(fragment)
        entry = self.app.callback_map[key]
        flat = entry["inputs"] + entry["state"]
        items: list[Any] = [None] * len(flat)
        for name, position in entry["inputs_state_indices"].items():
            spec = flat[position]
            items[position] = {"id": spec["id"], "property": spec["property"],
                               "value": values.get(name)}
        n_inputs = len(entry["inputs"])
        parts = key[2:-2].split("...") if key.startswith("..") else [key]
        outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1].split("@")[0]}
                   for p in parts]
        body = {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": items[:n_inputs],
            "state": items[n_inputs:],
            "changedPropIds": [f"{items[0]['id']}.{items[0]['property']}"],
        }
        started = time.perf_counter()
        response = self.client.post("/_dash-update-component", json=body, headers=self.headers)
        elapsed = time.perf_counter() - started
        data = response.get_data()
        assert response.status_code in (200, 204), data[:500]
        decoded = json.loads(data)["response"] if response.status_code == 200 else None
        return elapsed, len(data), decoded


def _first_render(browser: Browser, run_id: int) -> tuple[float, int, dict[str, Any]]:
    elapsed, size, answer = browser.post("..run-denied.children", {"run_id": str(run_id)})
    assert answer is not None and answer["run-live-state"]["data"], "the run page did not render"
    return elapsed, size, answer


def _poll(browser: Browser, run_id: int, live: Any, axes: list[Any]) -> tuple[float, int, Any]:
    values = {"run_id": str(run_id), "tick": 1, "live": live, "x_param": axes[0],
              "y_param": axes[1]}
    return browser.post("run-history-graph.figure@", values)


def run(n_trials: int, loads: int, polls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="og-live-bench-") as folder:
        settings = replace(load_settings({"OPTUNAGUI_DATA_DIR": folder}),
                           secret_key="bench-secret-key-0123456789abcdef")
        database = Database(settings.database_url)
        database.upgrade()
        try:
            seeded = time.perf_counter()
            run_id, _ = _seed(database, n_trials)
            seed_s = time.perf_counter() - seeded
            app = create_app(settings, database=database)
            browser = Browser(app)
            _first_render(browser, run_id)  # warm-up: imports, caches, first connection
            renders = [_first_render(browser, run_id) for _ in range(loads)]
            first_times = [elapsed for elapsed, _, _ in renders]
            answer = renders[-1][2]
            live = answer["run-live-state"]["data"]
            axes = answer["run-scatter-axes"]["data"] or [None, None]

            idle = [_poll(browser, run_id, live, axes) for _ in range(polls)]
            assert all(size == 0 or body is None for _, size, body in idle)
            by_batch: dict[int, list[tuple[float, int, int]]] = {}
            number = n_trials
            for batch in (1, 5, 25):
                for _ in range(polls):
                    numbers = range(number, number + batch)
                    number += batch
                    events = [e for n in numbers for e in _events(n, "complete")]
                    with database.session() as session:
                        upsert_trials(session, run_id, [_trial(n, "complete") for n in numbers])
                        append_events(session, run_id, events)
                    elapsed, size, body = _poll(browser, run_id, live, axes)
                    assert body is not None, "a poll after new events answered nothing"
                    live = body["run-live-state"]["data"]
                    by_batch.setdefault(batch, []).append((elapsed, size, len(events)))
        finally:
            database.dispose()

    def summary(samples: list[float]) -> dict[str, float]:
        ordered = sorted(samples)
        return {"median_s": statistics.median(ordered), "max_s": ordered[-1],
                "p90_s": ordered[int(0.9 * (len(ordered) - 1))]}

    polls_out = []
    for batch, samples in by_batch.items():
        times = [s[0] for s in samples]
        sizes = [s[1] for s in samples]
        polls_out.append({
            "new_trials": batch,
            "new_events": samples[0][2],
            **summary(times),
            "payload_bytes_median": int(statistics.median(sizes)),
            "payload_bytes_per_event": statistics.median(sizes) / samples[0][2],
        })
    all_poll_times = [s[0] for samples in by_batch.values() for s in samples]
    return {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "database": "sqlite (file)",
        "stored_trials": n_trials,
        "stored_events": n_trials * (STEPS_PER_TRIAL + 2),
        "seed_s": seed_s,
        "first_render": {**summary(first_times),
                         "payload_bytes": renders[-1][1],
                         "target_s": FIRST_RENDER_TARGET_S},
        "idle_poll": {**summary([t for t, _, _ in idle]),
                      "payload_bytes": max(size for _, size, _ in idle)},
        "polls": polls_out,
        "poll_target_s": POLL_TARGET_S,
        "first_render_ok": statistics.median(first_times) < FIRST_RENDER_TARGET_S,
        "polls_ok": statistics.median(all_poll_times) < POLL_TARGET_S,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--polls", type=int, default=20)
    args = parser.parse_args(argv)
    result = run(args.trials, args.loads, args.polls)
    first = result["first_render"]
    print(f"run with {result['stored_trials']} trials, {result['stored_events']} events "
          f"(seeded in {result['seed_s']:.1f} s)")
    print(f"first render: median {first['median_s'] * 1000:.0f} ms, max "
          f"{first['max_s'] * 1000:.0f} ms, {first['payload_bytes'] / 1e6:.2f} MB "
          f"(target < {FIRST_RENDER_TARGET_S * 1000:.0f} ms)")
    idle = result["idle_poll"]
    print(f"poll, nothing new: median {idle['median_s'] * 1000:.1f} ms, "
          f"{idle['payload_bytes']} bytes")
    print(f"{'new trials':>10} {'events':>7} {'median ms':>10} {'p90 ms':>8} {'max ms':>8} "
          f"{'bytes':>8} {'bytes/event':>12}")
    for row in result["polls"]:
        print(f"{row['new_trials']:>10} {row['new_events']:>7} {row['median_s'] * 1000:>10.1f} "
              f"{row['p90_s'] * 1000:>8.1f} {row['max_s'] * 1000:>8.1f} "
              f"{row['payload_bytes_median']:>8} {row['payload_bytes_per_event']:>12.0f}")
    print(f"targets met: first render {result['first_render_ok']}, polls {result['polls_ok']} "
          f"(poll target < {POLL_TARGET_S * 1000:.0f} ms)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
