"""Perceived speed: the run, analysis and compare pages in a real browser, on big runs.

A SQLite file of OptunaGui's own tables holds a run per size (1,000, 10,000 and 100,000
trials; 5 float parameters, 10 intermediate results each, one objective), written with
`upsert_trials`/`append_events` like the driver, and kept in a cache folder; every bench
works on a copy. `optunagui serve` runs on it; headless Debian Chromium (Playwright) signs in.
A page is ready when what it shows is drawn, read in the page frame by frame (`WATCH_JS`): a
figure stands for every trial (`layout.meta` of a sampled figure), the other figures have their
answers drawn, the trials table shows rows; each milestone's time is the page's own clock
(ms since the navigation) at the first frame it held. For each size:

- run page (/runs/<id>): navigation to header + history drawn, and to the rest of the page
  (the other figures and the table's rows); `cold` is the first load after the server
  started, in a fresh browser context (signed in outside the page, so nothing is cached);
  `warm` the median of later loads;
- analysis page (/runs/<id>/analysis), on a server of its own: the visible tab's figures,
  cold and warm, then switching to the Diagnosis tab and to the Parallel coordinates tab, each
  until its figures are drawn;
- per load: bytes on the wire (CDP `Network.loadingFinished`), the page's JS heap after it
  (CDP `Runtime.getHeapUsage`, as it is and after a full collection), and where the time went:
  the slowest callbacks' server waits, the server's CPU, Chromium's CPU by process, when the
  page's parts arrived (resource timing) and each Plotly draw; the server's RSS after the
  loads (psutil, the process and its children);
- live: with the run page open, one trial written (trial row + events) until its point shows,
  then a trial every second for `--live-minutes` and the heap (after a full collection)
  before and after.

With 10,000 among the sizes, the compare page of 5 runs of 10,000 trials (`--compare-runs`)
until its figures are drawn. Each wait is bounded: a page that is not ready in time is
reported as "did not finish in N s". Prints a table per size with the targets of the issue
and writes bench/results/browser.json. The machine's load average is noted before and after:
on a busy machine every number is longer.

    .venv/bin/python bench/browser.py [--sizes 1000 10000 100000] [--live-minutes 2]
    .venv/bin/python bench/browser.py --at HEAD   # the committed code, not the working tree
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "browser.json"
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/browser.py`
    sys.path.insert(0, str(ROOT))

from bench._browser import (  # noqa: E402
    CHROMIUM,
    DRAWN_JS,
    FIGURES_JS,
    GRID_ROWS_JS,
    PLOTLY_TIMER_JS,
    TEXT_JS,
    TIMELINE_JS,
    WATCH_JS,
    WATCHED_JS,
    Meter,
    bare_env,
    chromium,
    chromium_cpu,
    cpu_seconds,
    free_port,
    rss_bytes,
    server,
    sign_in_request,
    wait_js,
)
from bench._browser_report import (  # noqa: E402
    LIVE_TIMEOUT_S,
    PAGE_TIMEOUT_S,
    TARGETS,
    print_compare,
    print_growth,
    print_size,
)
from bench._runs import PASSWORD, USER, cached_runs_file, run_ids, run_name, write_trials  # noqa: E402
from optunagui.store import Database  # noqa: E402

HEAP_SAMPLE_S = 15.0
RUN_REST = ["#run-curves-graph", "#run-scatter-graph", "#run-timeline-graph"]
ANALYSIS_TAB = [f"#analysis-{n}-graph" for n in ("scatter", "contour", "slice", "history")]
#: The tabs a reader switches to after the first, by their label, and the figures each draws.
SWITCHES = {
    "Diagnosis": [f"#analysis-{n}-graph" for n in ("convergence", "exploration", "pruning",
                                                   "workers")],
    "Parallel coordinates": ["#analysis-parallel-graph"],
}
COMPARE = ["#compare-overlay-number-graph", "#compare-overlay-time-graph",
           "#compare-stats-graph"]


def _median(samples: list[float | None]) -> float | None:
    return float(statistics.median(samples)) if samples and None not in samples else None


# -- one page load -----------------------------------------------------------------------------

@dataclass
class Tab:
    """A signed-in browser page with its meter."""

    page: Any
    meter: Meter
    base_url: str
    server: Any  # the server's process


@contextmanager
def browser_tab(playwright: Any, base_url: str, process: Any) -> Iterator[Tab]:
    with chromium(playwright) as context:
        sign_in_request(context, base_url, USER, PASSWORD)
        context.add_init_script(PLOTLY_TIMER_JS)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
        yield Tab(page, Meter(context, page), base_url, process)


def load(tab: Tab, path: str, milestones: dict[str, list[tuple[str, Any]]]) -> dict[str, Any]:
    """Navigate to `path` and time each milestone (in order) from the navigation; then the
    bytes of the load, its slowest callbacks and the page's heap."""
    tab.meter.reset()
    server_cpu, browser_cpu = cpu_seconds(tab.server), chromium_cpu()
    started = time.perf_counter()
    deadline = started + PAGE_TIMEOUT_S
    tab.page.goto(tab.base_url + path, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
    tab.page.evaluate(WATCH_JS, milestones)
    seen = (wait_js(tab.page, WATCHED_JS, list(milestones), deadline - time.perf_counter())
            or tab.page.evaluate("() => window.__milestones || {}"))
    out: dict[str, Any] = {f"{name}_s": seen[name] / 1000 if name in seen else None
                           for name in milestones}
    out["wall_s"] = time.perf_counter() - started
    after = cpu_seconds(tab.server)
    out["server_cpu_s"] = (after - server_cpu if after is not None and server_cpu is not None
                           else None)
    out["browser"] = tab.meter.busy()
    out["chromium_cpu_s"] = {kind: round(spent - browser_cpu.get(kind, 0.0), 3)
                             for kind, spent in chromium_cpu().items()}
    out.update(tab.meter.totals())
    out["heap_bytes"] = tab.meter.heap()
    out["heap_collected_bytes"] = tab.meter.heap(collect=True)
    out["timeline"] = tab.page.evaluate(TIMELINE_JS)
    return out


def loads(tab: Tab, path: str, milestones: dict[str, list[tuple[str, Any]]], warm: int,
          after: Any = None) -> dict[str, Any]:
    """A cold load and `warm` later ones; `after(tab)` (tab switches: name -> seconds) runs
    after each, its answers under `after`. Medians of the warm ones under `warm`."""
    samples = []
    for _ in range(warm + 1):
        sample = load(tab, path, milestones)
        if after is not None:
            sample["after"] = after(tab)
        samples.append(sample)
    cold, rest = samples[0], samples[1:]
    keys = [f"{name}_s" for name in milestones] + ["wire_bytes", "heap_bytes",
                                                    "heap_collected_bytes"]
    median = {k: _median([s[k] for s in rest]) for k in keys}
    if after is not None:
        median["after_s"] = {name: _median([s["after"][name] for s in rest])
                             for name in cold["after"]}
    return {"cold": cold, "warm": median, "warm_samples": rest}


def run_milestones(want: int) -> dict[str, list[tuple[str, Any]]]:
    return {"head": [(FIGURES_JS, ["#run-history-graph"]),
                     (DRAWN_JS, ["#run-history-graph", want]), (TEXT_JS, "#run-title")],
            "rest": [(FIGURES_JS, RUN_REST), (GRID_ROWS_JS, "#run-trials-grid")]}


def switch_tabs(tab: Tab) -> dict[str, float | None]:
    """Seconds from each tab's click until its figures are drawn, tab after tab."""
    switched: dict[str, float | None] = {}
    for label, figures in SWITCHES.items():
        clicked = tab.page.evaluate("() => performance.now()")
        tab.page.evaluate(WATCH_JS, {label: [(FIGURES_JS, figures)]})
        tab.page.get_by_role("tab", name=label).click()
        seen = wait_js(tab.page, WATCHED_JS, [label], PAGE_TIMEOUT_S) or {}
        switched[label] = (seen[label] - clicked) / 1000 if label in seen else None
    return switched


# -- live ----------------------------------------------------------------------------------------

class Writer:
    """Writes new trials into a run the way the driver does."""

    def __init__(self, url: str, run_id: int, first: int) -> None:
        self.db = Database(url)
        self.run_id = run_id
        self.next = first

    def one(self, count: int = 1) -> None:
        write_trials(self.db, self.run_id, self.next, count, seed=10_000_000 + self.next)
        self.next += count

    def close(self) -> None:
        self.db.dispose()


def live(tab: Tab, writer: Writer, minutes: float, rate: int = 1) -> dict[str, Any]:
    """One trial until its point shows; then `rate` trials a second for `minutes`, the heap
    after a full collection sampled every HEAP_SAMPLE_S (a collection costs the page a few
    tens of ms), before and after."""
    started = time.perf_counter()
    writer.one()
    shown = wait_js(tab.page, DRAWN_JS, ["#run-history-graph", writer.next], LIVE_TIMEOUT_S)
    out: dict[str, Any] = {"new_trial_s": time.perf_counter() - started if shown else None}
    before = tab.meter.heap(collect=True)
    samples, begun, first = [], time.perf_counter(), writer.next
    next_sample = 0.0
    while (elapsed := time.perf_counter() - begun) < minutes * 60:
        writer.one(rate)
        if elapsed >= next_sample:
            samples.append([round(elapsed, 1), tab.meter.heap(collect=True)])
            next_sample += HEAP_SAMPLE_S
        next_write = begun + elapsed + 1.0  # `rate` trials a second, whatever writing took
        tab.page.wait_for_timeout(max(0.0, 1000 * (next_write - time.perf_counter())))
    caught_up = wait_js(tab.page, DRAWN_JS, ["#run-history-graph", writer.next], LIVE_TIMEOUT_S)
    after = tab.meter.heap(collect=True)
    half = [h for t, h in samples if t <= minutes * 30][-1] if samples else before
    out.update(minutes=minutes, rate=rate, trials_written=writer.next - first,
               caught_up=bool(caught_up), heap_before_bytes=before, heap_after_bytes=after,
               heap_growth=(after - before) / before,
               heap_growth_halves_bytes=[half - before, after - half],
               heap_collected_samples=samples)
    return out


# -- one size ------------------------------------------------------------------------------------

@contextmanager
def serving(work: Path) -> Iterator[tuple[str, Any]]:
    """`optunagui serve` on the work folder's database (the code of `work/code` when there
    is one, else this checkout's): its URL and process."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    code = work / "code"
    command = [sys.executable, "-m", "optunagui", "serve", "--host", "127.0.0.1", "--port",
               str(port)]
    env = bare_env(OPTUNAGUI_DATA_DIR=str(work / "data"))
    if code.exists():
        env["PYTHONPATH"] = str(code)
    with server(command, env, base_url + "/login", work / f"serve-{port}.log",
                cwd=code if code.exists() else ROOT) as process:
        yield base_url, process


@contextmanager
def served_tab(playwright: Any, work: Path) -> Iterator[Tab]:
    """A fresh server on the work folder and a fresh signed-in browser on it."""
    with serving(work) as (base_url, process), browser_tab(playwright, base_url, process) as tab:
        yield tab


def run_page(playwright: Any, work: Path, run_id: int, n: int, warm: int,
             minutes: float, rate: int) -> dict[str, Any]:
    url = f"sqlite:///{work / 'data' / 'optunagui.db'}"
    writer = Writer(url, run_id, first=n)
    try:
        with served_tab(playwright, work) as tab:
            result = loads(tab, f"/runs/{run_id}", run_milestones(n), warm)
            result["live"] = live(tab, writer, minutes, rate)
            result["server_rss_bytes"] = rss_bytes(tab.server)
            return result
    finally:
        writer.close()


def analysis_page(playwright: Any, work: Path, run_id: int, warm: int) -> dict[str, Any]:
    with served_tab(playwright, work) as tab:
        result = loads(tab, f"/runs/{run_id}/analysis", {"tab": [(FIGURES_JS, ANALYSIS_TAB)]},
                       warm, after=switch_tabs)
        result["server_rss_bytes"] = rss_bytes(tab.server)
        return result


def compare_page(playwright: Any, work: Path, runs: list[int], warm: int) -> dict[str, Any]:
    milestones = {"figures": [(FIGURES_JS, COMPARE), (TEXT_JS, "#compare-table")]}
    with served_tab(playwright, work) as tab:
        result = loads(tab, "/compare?runs=" + ",".join(map(str, runs)), milestones, warm)
        result["server_rss_bytes"] = rss_bytes(tab.server)
        return result


@contextmanager
def work_copy(runs_file: Path, code: Path | None) -> Iterator[Path]:
    """A folder with a copy of the runs' database (and the code to serve, when given)."""
    with tempfile.TemporaryDirectory(prefix="og-bench-browser-") as folder:
        work = Path(folder)
        (work / "data").mkdir()
        shutil.copyfile(runs_file, work / "data" / "optunagui.db")
        if code is not None:
            (work / "code").symlink_to(code)
        yield work


@contextmanager
def served_code(revision: str | None) -> Iterator[tuple[Path | None, str]]:
    """The code to serve: this checkout as it is (None), or `revision` extracted with
    `git archive` (others' edits in progress in the working tree left out); and its name."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                              text=True).stdout.strip()

    if revision is None:
        dirty = " with uncommitted changes" if git("status", "--porcelain", "--", "optunagui",
                                                   "dashapp", "cluster", "assets") else ""
        yield None, f"working tree at {git('rev-parse', '--short', 'HEAD')}{dirty}"
        return
    commit = git("rev-parse", "--verify", revision + "^{commit}")
    with tempfile.TemporaryDirectory(prefix="og-bench-code-") as folder:
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder), f"{revision} ({commit[:12]}, extracted)"


def guarded(measure: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """What `measure` measured, or the error that stopped it (the next page still runs)."""
    try:
        return measure(*args)
    except Exception as error:  # noqa: BLE001 - a failed page is reported, not fatal
        return {"error": f"{type(error).__name__}: {str(error)[-2000:]}"}


def bench_size(playwright: Any, runs_file: Path, code: Path | None, ids: dict[str, int], n: int,
               warm: int, minutes: float, rate: int, analysis: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {"trials": n, "load_before": os.getloadavg()[0]}
    run_id = ids[run_name(n)]
    with work_copy(runs_file, code) as work:
        result["run_page"] = guarded(run_page, playwright, work, run_id, n, warm, minutes,
                                     rate)
        if analysis:
            result["analysis_page"] = guarded(analysis_page, playwright, work, run_id, warm)
    result["load_after"] = os.getloadavg()[0]
    return result


def bench_compare(playwright: Any, runs_file: Path, code: Path | None, ids: dict[str, int],
                  count: int, warm: int) -> dict[str, Any]:
    runs = [ids[run_name(10_000, copy)] for copy in range(count)]
    result: dict[str, Any] = {"runs": count, "trials_each": 10_000,
                              "load_before": os.getloadavg()[0]}
    with work_copy(runs_file, code) as work:
        result["page"] = guarded(compare_page, playwright, work, runs, warm)
    result["load_after"] = os.getloadavg()[0]
    return result


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--loads", type=int, default=3, help="warm loads per page (median)")
    parser.add_argument("--live-minutes", type=float, default=2.0,
                        help="minutes of a live run, for the heap")
    parser.add_argument("--live-rate", type=int, default=1,
                        help="trials written a second in the live minutes (6 for 10 minutes: "
                             "an hour's trials at one a second)")
    parser.add_argument("--skip-analysis", action="store_true",
                        help="the run page only (with --live-minutes: a long live run)")
    parser.add_argument("--compare-runs", type=int, default=5,
                        help="runs of 10,000 trials on the compare page (with 10000 in sizes)")
    parser.add_argument("--at", metavar="REVISION", help="serve this committed revision "
                        "(git archive) instead of the working tree as it is")
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get(
        "XDG_CACHE_HOME", Path.home() / ".cache")) / "optunagui-bench")
    return parser.parse_args(argv)


def _save(results: dict[str, Any]) -> None:
    """The results so far; sizes and pages measured before and not now are kept."""
    saved = dict(results)
    if RESULTS.exists():
        old = json.loads(RESULTS.read_text())
        sizes = old.get("sizes", {})
        saved["sizes"] = {**sizes, **{n: {**sizes.get(n, {}), **measured}
                                      for n, measured in results["sizes"].items()}}
        if "compare" not in saved and old.get("compare"):
            saved["compare"] = old["compare"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if shutil.which(CHROMIUM) is None:
        print(f"{CHROMIUM} is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 2
    compare = args.compare_runs if 10_000 in args.sizes and args.compare_runs > 0 else 0
    wanted = sorted({(n, 0) for n in args.sizes} | {(10_000, c) for c in range(compare)})
    runs_file, written = cached_runs_file(args.cache_dir, wanted)
    database = Database(f"sqlite:///{runs_file}")
    try:
        ids = run_ids(database)
    finally:
        database.dispose()
    from playwright.sync_api import sync_playwright

    with served_code(args.at) as (code, served), sync_playwright() as playwright:
        print(f"serving {served}; load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs", flush=True)
        results: dict[str, Any] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "code": served,
            "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "load_before": os.getloadavg(),
            "runs_file": str(runs_file), "generated_s": written, "targets": TARGETS,
            "page_timeout_s": PAGE_TIMEOUT_S, "warm_loads": args.loads,
            "live_minutes": args.live_minutes, "live_rate": args.live_rate, "sizes": {},
        }
        for n in args.sizes:
            numbers = bench_size(playwright, runs_file, code, ids, n, args.loads,
                                 args.live_minutes, args.live_rate, not args.skip_analysis)
            results["sizes"][str(n)] = {**numbers, "when": results["when"], "code": served}
            print_size(numbers)
            _save(results)
        if compare:
            results["compare"] = bench_compare(playwright, runs_file, code, ids, compare,
                                               args.loads)
            print_compare(results["compare"])
    results["load_after"] = os.getloadavg()
    _save(results)
    results = json.loads(RESULTS.read_text())
    results["bytes_growth_10k_to_100k"] = print_growth(results["sizes"])
    _save(results)
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
