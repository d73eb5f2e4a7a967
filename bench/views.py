"""Analysis views on big runs stored in our own tables (SQLite): time, payload and memory.

Two runs per size (10,000 and 100,000 trials; 5 parameters, 10 steps each, two objectives:
auc up, fit_time_s down) are written with `upsert_trials`/`append_events`, like the driver
does. For each view it measures the server time from request to figure: `cold` reads the run
from the database (`load_frame`) and computes and draws; `warm` finds the frame in the
`FrameCache` (one aggregate query) and computes and draws. Payload is len(fig.to_json());
memory is the process's RSS after the view. Importance is served from its cache on the
request path; computing it (off the request path) is timed separately. `refresh` brings a
cached frame of the second run up to date after 100 new trials and 50 running ones finished,
incrementally (`FrameCache.get`) and by a full read, median of three rounds.

    .venv/bin/python -m bench.views [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from optunagui import analysis as an
from optunagui.store import (
    Database,
    append_events,
    create_experiment,
    create_run,
    create_user,
    upsert_trials,
)

RESULTS = Path(__file__).resolve().parent / "results" / "views.json"
TARGETS = {"view_s_10k": 1.0, "view_s_100k": 3.0, "payload_bytes": 5_000_000,
           "rss_bytes": 1 << 30}
SPACE = {
    "learning_rate": {"type": "float", "low": 0.001, "high": 0.3, "log": True},
    "num_leaves": {"type": "int", "low": 8, "high": 256, "log": True},
    "subsample": {"type": "float", "low": 0.5, "high": 1.0},
    "reg_lambda": {"type": "float", "low": 1e-8, "high": 10.0, "log": True},
    "boosting_type": {"type": "categorical", "choices": ["gbdt", "dart", "goss"]},
}
METRICS = [{"name": "auc", "direction": "maximize"},
           {"name": "fit_time_s", "direction": "minimize"}]
STEPS = 10
CHUNK = 10_000


def _spec(name: str, n: int) -> dict[str, Any]:
    return {"name": name, "dataset": {"name": "bench"}, "model": "lightgbm", "space": SPACE,
            "metrics": METRICS, "budget": {"n_trials": n, "max_concurrent": 8}}


def _trials(n: int, seed: int, shift: float) -> list[dict[str, Any]]:
    """Synthetic trials: random at first, then concentrated near the good region (as TPE)."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, 4))
    focus = np.arange(n) > n // 10
    u[focus, 0] = np.clip(0.6 + 0.08 * rng.standard_normal(focus.sum()), 0, 1)
    lr = 10 ** (-3 + u[:, 0] * np.log10(300))
    leaves = np.round(8 * 32 ** u[:, 1]).astype(int)
    subsample = 0.5 + 0.5 * u[:, 2]
    reg = 10 ** (-8 + 9 * u[:, 3])
    boosting = rng.integers(0, 3, n)
    auc = (0.7 + shift + 0.2 * np.exp(-((np.log10(lr) + 1.3) ** 2) / 0.3)
           + 0.02 * subsample + 0.005 * rng.standard_normal(n))
    fit = 0.01 + 0.0005 * leaves * (1 + rng.random(n))
    state = np.where(rng.random(n) < 0.25, "pruned", "complete")
    state[rng.random(n) < 0.01] = "failed"
    last = np.where(state == "pruned", rng.choice([1, 3], n), STEPS)
    duration = fit * last
    start = 1.7e9 + np.cumsum(np.full(n, 0.1)) + rng.random(n) * 0.05
    choices = SPACE["boosting_type"]["choices"]
    rows = []
    for i in range(n):
        complete = state[i] == "complete"
        folds = (auc[i] + 0.01 * rng.standard_normal(5)).round(5).tolist()
        rows.append({
            "number": i, "state": str(state[i]),
            "values": [float(auc[i]), float(fit[i])] if complete else None,
            "params": {"learning_rate": float(lr[i]), "num_leaves": int(leaves[i]),
                       "subsample": float(subsample[i]), "reg_lambda": float(reg[i]),
                       "boosting_type": choices[boosting[i]]},
            "user_attrs": ({"fold_scores": {"auc": folds},
                            "metrics": {"accuracy": float(auc[i] - 0.05)}} if complete else None),
            "started_at": datetime.fromtimestamp(start[i], UTC),
            "finished_at": datetime.fromtimestamp(start[i] + duration[i], UTC),
            "duration_s": float(duration[i]), "last_step": int(last[i]),
            "worker": f"node-{i % 8}",
        })
    return rows


def _events(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    events = []
    for row in rows:
        final = row["values"][0] if row["values"] else 0.7
        for step in range(1, row["last_step"] + 1):
            value = final * (1 - 0.3 * np.exp(-step / 3)) + 0.01 * rng.standard_normal()
            events.append({"kind": "result", "trial_number": row["number"], "step": step,
                           "metrics": {"auc": float(value)}, "worker": row["worker"]})
    return events


def _write_run(db: Database, experiment_id: int, name: str, n: int, seed: int,
               shift: float, events: bool) -> int:
    with db.session() as session:
        run_id = create_run(session, experiment_id, name, _spec(name, n)).id
    every = _trials(n, seed, shift)
    for offset in range(0, n, CHUNK):
        rows = every[offset:offset + CHUNK]
        with db.session() as session:
            upsert_trials(session, run_id, rows)
            if events:
                append_events(session, run_id, _events(rows, seed + offset))
    del every
    gc.collect()
    return run_id


def _live_rows(first: int, count: int, running: int, seed: int) -> list[dict[str, Any]]:
    """`count` new trials numbered from `first`, the last `running` of them still running."""
    rows = _trials(count, seed, 0.0)
    for offset, row in enumerate(rows):
        row["number"] = first + offset
        if offset >= count - running:
            row.update(state="running", values=None, user_attrs=None, finished_at=None,
                       duration_s=None, last_step=1)
    return rows


def _refresh(db: Database, run_id: int, n: int, rounds: int = 3) -> dict[str, Any]:
    """Bring a cached frame up to date after 100 new trials and 50 running ones finished:
    incrementally (`FrameCache.get`) and by a full read (aggregate check + `load_frame`)."""
    new, running = 100, 50
    with db.session() as session:
        upsert_trials(session, run_id, _live_rows(n, running, running, 7))
    cache = an.FrameCache()
    with db.session() as session:
        cache.get(session, run_id)
    incremental, full = [], []
    first = n + running
    for round_ in range(rounds):
        finished = _trials(running, 11 + round_, 0.0)
        for offset, row in enumerate(finished):
            row["number"] = first - running + offset
            row.pop("params")
        with db.session() as session:
            upsert_trials(session, run_id,
                          _live_rows(first, new, running, 8 + round_) + finished)
        first += new
        with db.session() as session:
            t = time.perf_counter()
            merged = cache.get(session, run_id)
            incremental.append(time.perf_counter() - t)
            t = time.perf_counter()
            an.FrameCache.signature(session, run_id)
            reloaded = an.load_frame(session, run_id)
            full.append(time.perf_counter() - t)
        same = all(np.array_equal(getattr(merged, k), getattr(reloaded, k), equal_nan=True)
                   for k in ("number", "state", "values", "finished", "worker"))
        if not same or list(merged.params) != list(reloaded.params):
            raise AssertionError("the refreshed frame differs from a full read")
    return {"new_trials": new, "updated_running": running, "rounds": rounds,
            "merges": cache.merges, "full_reads_after_first": cache.full_reads - 1,
            "incremental_s": float(np.median(incremental)), "full_s": float(np.median(full))}


def _rss() -> int:
    return psutil.Process().memory_info().rss


def _views(run_a: int, run_b: int, importance: an.ImportanceCache, cache: an.FrameCache
           ) -> dict[str, Callable[[Any, an.TrialFrame], Any]]:
    def pruning(session: Any, frame: an.TrialFrame) -> Any:
        return an.plot_pruning(frame, an.load_pruning_values(session, run_a, frame))

    def importance_view(method: str) -> Callable[[Any, an.TrialFrame], Any]:
        def view(session: Any, frame: an.TrialFrame) -> Any:
            return an.draw_importance(importance.get_or_compute(run_a, frame, method=method))
        return view

    def runs(session: Any, frame: an.TrialFrame) -> list[an.RunInput]:
        other = cache.get(session, run_b)
        return [an.RunInput("A", frame, _spec("A", 0)), an.RunInput("B", other, _spec("B", 0))]

    def compare(session: Any, frame: an.TrialFrame) -> Any:
        a, b = (an.best_fold_scores(r.frame) for r in runs(session, frame))
        return an.draw_comparisons([an.compare_folds(a, b, label_a="A", label_b="B",
                                                     metric="auc")])

    return {
        "scatter": lambda s, f: an.plot_scatter(f, "learning_rate", "num_leaves"),
        "parallel": lambda s, f: an.plot_parallel(f),
        "contour": lambda s, f: an.plot_contour(f, "learning_rate", "subsample"),
        "slice": lambda s, f: an.plot_slice(f),
        "history": lambda s, f: an.plot_history(f),
        "importance_fanova": importance_view("fanova"),
        "importance_ped_anova": importance_view("ped_anova"),
        "advice": lambda s, f: an.compute_advice(
            f, importance.get_or_compute(run_a, f, method="ped_anova")),
        "convergence": lambda s, f: an.plot_convergence(f),
        "exploration": lambda s, f: an.plot_exploration(f),
        "pruning": pruning,
        "workers": lambda s, f: an.plot_workers(f),
        "pareto": lambda s, f: an.plot_pareto(f),
        "tradeoff": lambda s, f: an.pick_tradeoff(f, "auc", {"fit_time_s": ("<=", 0.05)}),
        "side_by_side": lambda s, f: an.draw_side_by_side(
            an.compute_side_by_side(runs(s, f))),
        "overlay_number": lambda s, f: an.draw_overlay(an.compute_overlay(runs(s, f))),
        "overlay_time": lambda s, f: an.draw_overlay(an.compute_overlay(runs(s, f), by="time")),
        "compare_folds": compare,
    }


def bench_size(n: int, only: list[str] | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="og-bench-views-") as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            db.upgrade()
            with db.session() as session:
                user = create_user(session, "bench", "x")
                experiment_id = create_experiment(session, "bench", user.id).id
            started = time.perf_counter()
            run_a = _write_run(db, experiment_id, f"A-{n}", n, 1, 0.0, events=True)
            run_b = _write_run(db, experiment_id, f"B-{n}", n, 2, 0.002, events=False)
            gc.collect()
            result: dict[str, Any] = {"write_s": time.perf_counter() - started, "views": {}}
            importance = an.ImportanceCache(Path(folder) / "importance")
            cache = an.FrameCache()
            with db.session() as session:
                t = time.perf_counter()
                an.load_frame(session, run_a)
                result["load_frame_s"] = time.perf_counter() - t
                cache.get(session, run_a)
                t = time.perf_counter()
                cache.get(session, run_a)
                result["cache_check_s"] = time.perf_counter() - t
                frame = cache.get(session, run_a)
                cache.get(session, run_b)  # the second run of the comparisons, cached too
                for method in ("fanova", "ped_anova"):  # off the request path
                    record = importance.get_or_compute(run_a, frame, method=method)
                    result[f"importance_{method}_compute_s"] = record.seconds
                    result[f"importance_{method}_note"] = record.note
                views = _views(run_a, run_b, importance, cache)
                for name, view in views.items():
                    if only and name not in only:
                        continue
                    t = time.perf_counter()
                    out = view(session, cache.get(session, run_a))
                    warm = time.perf_counter() - t
                    payload = len(out.to_json()) if hasattr(out, "to_json") else len(
                        json.dumps(out, default=str))
                    result["views"][name] = {
                        "warm_s": warm, "cold_s": warm + result["load_frame_s"],
                        "payload_bytes": payload, "rss_bytes": _rss()}
            result["refresh"] = _refresh(db, run_b, n)
            result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            return result
        finally:
            db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--views", nargs="+", help="time only these views; their numbers "
                        "replace those in an existing results file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": psutil.cpu_count(), "targets": TARGETS, "sizes": {},
    }
    for n in args.sizes:
        numbers = bench_size(n, args.views)
        results["sizes"][str(n)] = numbers
        limit = TARGETS["view_s_10k"] if n <= 10_000 else TARGETS["view_s_100k"]
        print(f"\n{n:,} trials: written in {numbers['write_s']:.1f} s; load_frame "
              f"{numbers['load_frame_s']:.3f} s; cache check {numbers['cache_check_s']:.4f} s")
        for method in ("fanova", "ped_anova"):
            print(f"  importance {method} computed off the request path in "
                  f"{numbers[f'importance_{method}_compute_s']:.2f} s "
                  f"({numbers[f'importance_{method}_note']})")
        print(f"  {'view':<22}{'warm s':>9}{'cold s':>9}{'payload':>12}{'RSS MB':>9}  ok")
        for name, v in numbers["views"].items():
            ok = (v["cold_s"] < limit and v["payload_bytes"] < TARGETS["payload_bytes"]
                  and v["rss_bytes"] < TARGETS["rss_bytes"])
            print(f"  {name:<22}{v['warm_s']:>9.3f}{v['cold_s']:>9.3f}"
                  f"{v['payload_bytes']:>12,}{v['rss_bytes'] / 2**20:>9.0f}  "
                  f"{'yes' if ok else 'NO'}")
        refresh = numbers["refresh"]
        print(f"  refresh after {refresh['new_trials']} new + {refresh['updated_running']} "
              f"updated running trials: incremental {refresh['incremental_s']:.4f} s, full "
              f"reload {refresh['full_s']:.3f} s (median of {refresh['rounds']}; "
              f"{refresh['merges']} merges, {refresh['full_reads_after_first']} full reads)")
        print(f"  peak RSS {numbers['peak_rss_bytes'] / 2**20:.0f} MB")
    if args.views and RESULTS.exists():
        old = json.loads(RESULTS.read_text())
        for size, numbers in results["sizes"].items():
            kept = old.setdefault("sizes", {}).setdefault(size, numbers)
            kept.setdefault("views", {}).update(
                {k: {**v, "remeasured": results["when"]} for k, v in numbers["views"].items()})
        results = old
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
