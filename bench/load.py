"""Many viewers of one live run: `optunagui serve` (waitress) on loopback, N signed-in viewers.

Each viewer signs in through /login (CSRF field), opens the run page the way Dash's renderer
does (the page, its routing callback and every callback the run id starts, all at once; the
trials table's first page once the columns are known) and then posts the page's live poll
once a second, and the table's page whenever a poll brings a new state (the grid refreshes
its rows then). All viewers open at once. Meanwhile a writer adds one trial a second the way
the driver does (trial row and its events in one transaction).

Scenarios (each on a fresh copy of a cached SQLite file of runs, see ``bench._runs``, or with
``--database postgresql`` of a PostgreSQL template database of them, see ``bench._pg_runs``):
20 viewers of a 10,000-trial run, 50 viewers of it, 20 viewers of a 100,000-trial run.
Reports per scenario: latency p50/p95/p99/max of the polling phase (every request), errors
and timeouts, first renders when all open at once, the server's CPU and RSS (psutil), the
deepest waitress queue it logged, the load average. Prints a table and writes
bench/results/load.json.

``--servers 1,2`` runs each scenario once per count of server processes on the one database,
each with its alert loop, several behind a round-robin proxy in its own process
(``bench._proxy``, the stand-in for nginx; ``--proxy`` puts it before a single server too, so
the two differ only in the count). CPU and RSS are then of all servers together (and each),
the proxy's CPU apart.

    .venv/bin/python -m bench.load [--duration 120] [--viewers 20,50] [--big-viewers 20]
        [--trials 10000] [--big-trials 100000] [--threads N] [--servers 1,2] [--proxy]
        [--database sqlite|postgresql] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from bench._browser import bare_env, cpu_seconds, free_port, rss_bytes, server
from bench._pg_runs import postgres_runs
from bench._runs import PASSWORD, USER, cached_runs_file, run_ids, run_name, write_trials
from bench.browser import served_code
from bench.store import DEFAULT_POSTGRES
from optunagui.store import Database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load.json"
POLL_S = 1.0
TARGETS = {20: {"p95_s": 0.3, "p99_s": 1.0, "errors": 0}, 50: {"p95_s": 1.0, "errors": 0}}
FIRST_RENDER = "..run-denied.children"
POLL = "run-history-graph.figure@"
ROWS = "run-trials-grid.getRowsResponse"
PAGES = "_pages_content.children"
OPEN_INPUTS = ("run-id", "_pages_location")
ROWS_REQUEST = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}


# -- the page's callbacks, as the renderer posts them -------------------------------------------

def _outputs(key: str) -> Any:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1].split("@")[0]}
               for p in parts]
    return outputs if key.startswith("..") else outputs[0]


def callback_body(dependency: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The body Dash's renderer posts for `dependency`, each input and state taking its value
    from `values` by "id.property" (None when absent)."""
    def items(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": s["id"], "property": s["property"],
                 "value": values.get(f"{s['id']}.{s['property']}")} for s in specs]
    inputs = items(dependency["inputs"])
    return {"output": dependency["output"], "outputs": _outputs(dependency["output"]),
            "inputs": inputs, "state": items(dependency["state"]),
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}


@dataclass
class Page:
    """The run page's callbacks, read from the server's /_dash-dependencies."""

    first: dict[str, Any]
    poll: dict[str, Any]
    rows: dict[str, Any]
    pages: dict[str, Any]
    opening: list[dict[str, Any]]  # every other callback the run id starts on open

    @classmethod
    def from_dependencies(cls, deps: list[dict[str, Any]]) -> Page:
        def one(fragment: str) -> dict[str, Any]:
            found = [d for d in deps if fragment in d["output"]]
            if len(found) != 1:
                raise RuntimeError(f"{len(found)} callbacks answer {fragment!r}")
            return found[0]
        first, poll, rows, pages = one(FIRST_RENDER), one(POLL), one(ROWS), one(PAGES)
        opening = [d for d in deps if d is not first and not d.get("prevent_initial_call")
                   and not d.get("clientside_function")
                   and any(str(i["id"]).startswith(OPEN_INPUTS) for i in d["inputs"])]
        return cls(first, poll, rows, pages, opening)


def _name(dependency: dict[str, Any]) -> str:
    """A callback's first output, e.g. `run-models-table.children`."""
    return dependency["output"].strip(".").split("...")[0].split("@")[0]


# -- one viewer ---------------------------------------------------------------------------------

@dataclass
class Tally:
    """Every request's (seconds, kind) and every failure's (kind, what)."""

    samples: list[tuple[float, str, float]] = field(default_factory=list)  # (when, kind, s)
    errors: list[tuple[str, str]] = field(default_factory=list)
    first_renders: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)


class Viewer:
    def __init__(self, base_url: str, run_id: int, timeout_s: float, tally: Tally) -> None:
        self.base_url, self.run_id, self.tally = base_url, run_id, tally
        self.http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            connector=aiohttp.TCPConnector(limit=8),
            cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.headers: dict[str, str] = {}
        self.values: dict[str, Any] = {"run-id.data": str(run_id),
                                       "_pages_location.pathname": f"/runs/{run_id}",
                                       "_pages_location.search": "",
                                       "run-trials-grid.getRowsRequest": ROWS_REQUEST}

    async def close(self) -> None:
        await self.http.close()

    async def sign_in(self) -> None:
        async with self.http.get(self.base_url + "/login") as answer:
            form = await answer.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        if token is None:
            raise RuntimeError("no CSRF field on the sign-in page")
        data = {"username": USER, "password": PASSWORD, "csrf_token": token.group(1),
                "next": ""}
        async with self.http.post(self.base_url + "/login", data=data,
                                  allow_redirects=False) as answer:
            if answer.status != 302:
                raise RuntimeError(f"signing in answered {answer.status}")
        async with self.http.get(self.base_url + "/experiments") as answer:
            await answer.read()
        for cookie in self.http.cookie_jar:
            if cookie.key == "_csrf_token":
                self.headers = {"X-CSRFToken": cookie.value}

    async def dependencies(self) -> list[dict[str, Any]]:
        async with self.http.get(self.base_url + "/_dash-dependencies") as answer:
            return await answer.json()

    async def post(self, dependency: dict[str, Any], kind: str) -> dict[str, Any] | None:
        """Post one callback; its decoded answer (None for 204), or None after a failure,
        which is tallied."""
        body = callback_body(dependency, self.values)
        started = time.perf_counter()
        try:
            async with self.http.post(self.base_url + "/_dash-update-component", json=body,
                                      headers=self.headers) as answer:
                raw = await answer.read()
                status = answer.status
        except TimeoutError:
            self.tally.errors.append((kind, "timeout"))
            return None
        except aiohttp.ClientError as error:
            self.tally.errors.append((kind, type(error).__name__))
            return None
        elapsed = time.perf_counter() - started
        self.tally.samples.append((time.monotonic(), kind, elapsed))
        if status not in (200, 204):
            self.tally.errors.append((kind, f"HTTP {status}: {raw[:120]!r}"))
            return None
        return json.loads(raw)["response"] if status == 200 else None

    def _take(self, answer: dict[str, Any] | None) -> None:
        for component, props in (answer or {}).items():
            for prop, value in props.items():
                if not isinstance(value, dict) or "__dash_patch_update" not in value:
                    self.values[f"{component}.{prop}"] = value

    async def open(self, page: Page) -> bool:
        """The page as the renderer opens it: its index, then every callback at once."""
        started = time.perf_counter()
        async with self.http.get(f"{self.base_url}/runs/{self.run_id}") as answer:
            await answer.read()
        await self.post(page.pages, f"open {_name(page.pages)}")

        async def first() -> dict[str, Any] | None:
            answer = await self.post(page.first, "first_render")
            if answer is not None:
                self.tally.first_renders.append(time.perf_counter() - started)
            return answer
        answers = await asyncio.gather(first(), *(self.post(d, f"open {_name(d)}")
                                                  for d in page.opening))
        if answers[0] is None:
            return False
        self._take(answers[0])
        self._take(await self.post(page.rows, "rows"))
        self.tally.opens.append(time.perf_counter() - started)
        return True

    async def watch(self, page: Page, until: float) -> None:
        tick = 0
        while time.monotonic() < until:
            await asyncio.sleep(POLL_S)
            tick += 1
            self.values["run-poll.n_intervals"] = tick
            before = self.values.get("run-live-state.data")
            self._take(await self.post(page.poll, "poll"))
            if self.values.get("run-live-state.data") != before:
                await self.post(page.rows, "rows")


# -- the writer and the server's meter ----------------------------------------------------------

class Writer(threading.Thread):
    """One new trial a second (row and events in one transaction), as the driver writes."""

    def __init__(self, url: str, run_id: int, first: int) -> None:
        super().__init__(daemon=True)
        self.db, self.run_id, self.next = Database(url), run_id, first
        self.stopped = threading.Event()
        self.written, self.write_s = 0, [0.0]

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            started = time.perf_counter()
            write_trials(self.db, self.run_id, self.next, 1, seed=self.next)
            self.write_s.append(time.perf_counter() - started)
            self.next += 1
            self.written += 1

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=30)
        self.db.dispose()


class Meter(threading.Thread):
    """The servers' CPU share and RSS (each, and all together), and the proxy's CPU, sampled
    every second."""

    def __init__(self, processes: list[Any], proxy: Any | None = None) -> None:
        super().__init__(daemon=True)
        self.processes, self.proxy, self.stopped = processes, proxy, threading.Event()
        self.rss: list[list[int]] = [[] for _ in processes]
        self.cpu_start = [cpu_seconds(p) or 0.0 for p in processes]
        self.proxy_cpu_start = (cpu_seconds(proxy) or 0.0) if proxy is not None else 0.0
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            for samples, process in zip(self.rss, self.processes, strict=True):
                rss = rss_bytes(process)
                if rss is not None:
                    samples.append(rss)

    def stop(self) -> dict[str, Any]:
        self.stopped.set()
        self.join(timeout=5)
        wall = time.monotonic() - self.t0
        spent = [(cpu_seconds(p) or 0.0) - start
                 for p, start in zip(self.processes, self.cpu_start, strict=True)]
        together = [sum(values) for values in zip(*self.rss, strict=False)]
        usage = {"server_cpu_s": round(sum(spent), 1),
                 "server_cpu_cores": round(sum(spent) / wall, 2),
                 "server_rss_max_mb": round(max(together, default=0) / 2**20),
                 "server_rss_end_mb": round((together or [0])[-1] / 2**20)}
        if len(self.processes) > 1:
            usage["per_server"] = [
                {"cpu_cores": round(cpu / wall, 2),
                 "rss_max_mb": round(max(samples, default=0) / 2**20)}
                for cpu, samples in zip(spent, self.rss, strict=True)]
        if self.proxy is not None:
            proxy_cpu = (cpu_seconds(self.proxy) or 0.0) - self.proxy_cpu_start
            usage["proxy_cpu_cores"] = round(proxy_cpu / wall, 2)
        return usage


# -- one scenario -------------------------------------------------------------------------------

def _quantiles(samples: list[float]) -> dict[str, float | None]:
    import numpy as np

    if not samples:
        return {"p50_s": None, "p95_s": None, "p99_s": None, "max_s": None}
    values = np.asarray(samples)
    out: dict[str, float | None] = {
        f"p{q}_s": round(float(np.percentile(values, q)), 3) for q in (50, 95, 99)}
    out["max_s"] = round(float(values.max()), 3)
    return out


async def _viewers(base_url: str, run_id: int, viewers: int, duration_s: float,
                   timeout_s: float) -> tuple[Tally, float, float]:
    tally = Tally()
    crowd = [Viewer(base_url, run_id, timeout_s, tally) for _ in range(viewers)]
    try:
        for viewer in crowd:
            await viewer.sign_in()
        page = Page.from_dependencies(await crowd[0].dependencies())
        opened_at = time.monotonic()
        opened = await asyncio.gather(*(viewer.open(page) for viewer in crowd))
        steady_from = time.monotonic()
        until = steady_from + duration_s
        await asyncio.gather(*(viewer.watch(page, until) for viewer, ok in zip(crowd, opened,
                                                                    strict=True) if ok))
    finally:
        for viewer in crowd:
            await viewer.close()
    return tally, opened_at, steady_from


def _queue_depth(log: Path) -> int:
    depths = [int(m) for m in re.findall(r"Task queue depth is (\d+)", log.read_text())]
    return max(depths, default=0)


@dataclass(frozen=True)
class Setup:
    servers: int = 1
    proxy: bool = False
    database: str = "sqlite"
    postgres_url: str = DEFAULT_POSTGRES
    threads: int | None = None


@dataclass
class Served:
    base_url: str  # the proxy's, or the one server's
    database_url: str
    processes: list[Any]
    proxy: Any | None
    logs: list[Path]


@contextmanager
def _database(runs_file: Path | None, work: Path, postgres_url: str, n: int
              ) -> Iterator[str]:
    """A copy of the cached SQLite file when there is one, else a fresh PostgreSQL copy."""
    if runs_file is not None:
        database = work / "data" / "optunagui.db"
        shutil.copyfile(runs_file, database)
        yield f"sqlite:///{database}"
        return
    with postgres_runs(postgres_url, [n]) as url:
        yield url


@contextmanager
def _served(runs_file: Path | None, setup: Setup, n: int, code: Path | None) -> Iterator[Served]:
    """`setup.servers` server processes on one database (alert loops on, as `serve` starts
    them), behind the round-robin proxy (in its own process) when there are several or
    `setup.proxy` asks for it."""
    with tempfile.TemporaryDirectory(prefix="og-bench-load-") as folder, ExitStack() as stack:
        work = Path(folder)
        (work / "data").mkdir()
        url = stack.enter_context(_database(runs_file, work, setup.postgres_url, n))
        env = bare_env(OPTUNAGUI_DATA_DIR=str(work / "data"), OPTUNAGUI_DATABASE_URL=url,
                       OPTUNAGUI_SECRET_KEY="bench-load-" + "k" * 32)
        if code is not None:
            env["PYTHONPATH"] = str(code)
        processes, logs, upstreams = [], [], []
        for index in range(setup.servers):
            port = free_port()
            command = [sys.executable, "-m", "optunagui", "serve", "--host", "127.0.0.1",
                       "--port", str(port), "--no-follower"]
            if setup.threads is not None:
                command += ["--threads", str(setup.threads)]
            logs.append(work / f"serve-{index}.log")
            processes.append(stack.enter_context(server(
                command, env, f"http://127.0.0.1:{port}/login", logs[-1], cwd=code or ROOT)))
            upstreams.append(f"http://127.0.0.1:{port}")
        proxy = None
        base_url = upstreams[0]
        if setup.servers > 1 or setup.proxy:
            port = free_port()
            proxy = stack.enter_context(server(
                [sys.executable, "-m", "bench._proxy", "--port", str(port), *upstreams],
                bare_env(), f"http://127.0.0.1:{port}/login", work / "proxy.log", cwd=ROOT))
            base_url = f"http://127.0.0.1:{port}"
        yield Served(base_url, url, processes, proxy, logs)


def scenario(runs_file: Path | None, n: int, viewers: int, duration_s: float, setup: Setup,
             timeout_s: float, code: Path | None = None) -> dict[str, Any]:
    with _served(runs_file, setup, n, code) as served:
        probe = Database(served.database_url)
        run_id = run_ids(probe)[run_name(n)]
        probe.dispose()
        load_before = os.getloadavg()
        client_cpu = sum(psutil.Process().cpu_times()[:2])
        writer = Writer(served.database_url, run_id, first=n)
        meter = Meter(served.processes, served.proxy)
        writer.start()
        meter.start()
        try:
            tally, opened_at, steady_from = asyncio.run(
                _viewers(served.base_url, run_id, viewers, duration_s, timeout_s))
        finally:
            writer.stop()
            usage = meter.stop()
        queue = max(_queue_depth(log) for log in served.logs)
        client_cpu = sum(psutil.Process().cpu_times()[:2]) - client_cpu
    steady = [s for when, kind, s in tally.samples if when >= steady_from]
    polls = [s for when, kind, s in tally.samples if when >= steady_from and kind == "poll"]
    errors: dict[str, int] = {}
    for kind, what in tally.errors:
        errors[f"{kind}: {what}"] = errors.get(f"{kind}: {what}", 0) + 1
    return {
        "trials": n, "viewers": viewers, "duration_s": duration_s,
        "threads": setup.threads, "servers": setup.servers,
        "proxy": served.proxy is not None, "database": setup.database,
        "requests": len(steady), **_quantiles(steady),
        "polls": {"count": len(polls), **_quantiles(polls)},
        "by_kind": {kind: sum(k == kind for when, k, _ in tally.samples if when >= steady_from)
                    for kind in ("poll", "rows")},
        "errors": len(tally.errors), "timeouts": sum(w == "timeout" for _, w in tally.errors),
        "error_kinds": errors,
        "first_render": {"count": len(tally.first_renders), **_quantiles(tally.first_renders),
                         "all_open_s": round(steady_from - opened_at, 2)},
        "opened": len(tally.opens),  # viewers whose page opened, and so polled
        "open": _quantiles(tally.opens),
        "open_by_callback": {
            kind[5:]: _quantiles([s for _, k, s in tally.samples if k == kind])
            for kind in sorted({k for _, k, _ in tally.samples if k.startswith("open ")})},
        **usage,
        "waitress_queue_max": queue,
        "bench_client_cpu_s": round(client_cpu, 1),
        "trials_written": writer.written,
        "write_max_s": round(max(writer.write_s), 3),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def _verdict(result: dict[str, Any]) -> str:
    target = TARGETS.get(result["viewers"]) if result["trials"] == 10_000 else None
    if target is None:
        return ""
    ok = result["errors"] <= target["errors"] and all(
        result[k] is not None and result[k] <= v for k, v in target.items() if k != "errors")
    wants = ", ".join(f"{k[:3]} ≤ {v * 1000:.0f} ms" for k, v in target.items() if k != "errors")
    return f"{'met' if ok else 'MISSED'} ({wants}, 0 errors)"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f}"


def _proxy_cpu(result: dict[str, Any]) -> str:
    if "proxy_cpu_cores" not in result:
        return ""
    return f"proxy CPU {result['proxy_cpu_cores']} cores, "


def report(result: dict[str, Any]) -> None:
    first = result["first_render"]
    where = (f"{result['servers']} server{'s' if result['servers'] > 1 else ''}"
             f"{' behind the proxy' if result['proxy'] else ''}, {result['database']}")
    print(f"{result['viewers']} viewers of {result['trials']:,} trials ({where}), "
          f"{result['duration_s']:.0f} s: {result['requests']} requests, "
          f"p50 {_ms(result['p50_s'])} ms, p95 {_ms(result['p95_s'])} ms, "
          f"p99 {_ms(result['p99_s'])} ms, max {_ms(result['max_s'])} ms; "
          f"{result['errors']} errors ({result['timeouts']} timeouts), {result['opened']} "
          f"of {result['viewers']} opened the page {_verdict(result)}")
    print(f"  first renders (all open at once): p50 {_ms(first['p50_s'])} ms, max "
          f"{_ms(first['max_s'])} ms, all open in {first['all_open_s']} s; server CPU "
          f"{result['server_cpu_cores']} cores, RSS max {result['server_rss_max_mb']} MB, "
          f"{_proxy_cpu(result)}"
          f"waitress queue ≤ {result['waitress_queue_max']}, load average "
          f"{result['load_average_before'][0]} → {result['load_average_after'][0]}")
    slowest = sorted(result["open_by_callback"].items(), key=lambda kv: -(kv[1]["p50_s"] or 0))
    print("  opening, p50 by callback: " + ", ".join(
        f"{name} {_ms(q['p50_s'])} ms" for name, q in slowest[:4]))
    if result["error_kinds"]:
        print(f"  errors: {result['error_kinds']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of polling")
    parser.add_argument("--viewers", default="20,50",
                        help="viewer counts on the --trials run, comma-separated")
    parser.add_argument("--big-viewers", type=int, default=20,
                        help="viewers of the --big-trials run (0: skip it)")
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--big-trials", type=int, default=100_000)
    parser.add_argument("--threads", type=int, help="waitress threads (default: serve's)")
    parser.add_argument("--servers", default="1",
                        help="server processes on the one database, comma-separated to "
                             "compare (e.g. 1,2); several are behind the round-robin proxy")
    parser.add_argument("--proxy", action="store_true",
                        help="put the proxy in front of a single server too (a fair 1 vs 2)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES,
                        help="PostgreSQL admin URL (with --database postgresql)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--label", default="", help="a name for this run in the JSON")
    parser.add_argument("--at", metavar="REVISION", help="serve this committed revision "
                        "(extracted with git archive) instead of the working tree")
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get(
        "XDG_CACHE_HOME", Path.home() / ".cache")) / "optunagui-bench")
    args = parser.parse_args(argv)
    try:
        counts = [int(v) for v in args.viewers.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--viewers: comma-separated whole numbers, not {args.viewers!r}")
    try:
        server_counts = [int(v) for v in args.servers.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--servers: comma-separated whole numbers, not {args.servers!r}")
    if not server_counts or any(c < 1 for c in server_counts):
        parser.error("--servers: at least 1 each")
    if any(c < 1 for c in counts) or args.big_viewers < 0 or args.duration <= 0:
        parser.error("--viewers need at least 1 each, --big-viewers 0 or more, "
                     "--duration above 0")
    plan = [(args.trials, c) for c in counts]
    if args.big_viewers:
        plan.append((args.big_trials, args.big_viewers))
    runs_file = (cached_runs_file(args.cache_dir, sorted({(n, 0) for n, _ in plan}))[0]
                 if args.database == "sqlite" else None)
    results = []
    with served_code(args.at) as (code, served):
        print(f"serving {served}; {psutil.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)
        for n, viewers in plan:
            for servers in server_counts:
                setup = Setup(servers=servers, proxy=args.proxy, database=args.database,
                              postgres_url=args.postgres_url, threads=args.threads)
                result = scenario(runs_file, n, viewers, args.duration, setup, args.timeout,
                                  code)
                report(result)
                results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    entry = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "label": args.label,
             "code": served,
             "cpus": psutil.cpu_count(), "scenarios": results}
    runs = [*previous.get("runs", []), entry]
    RESULTS.write_text(json.dumps({"runs": runs}, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
