"""What the browser benchmarks share: `optunagui serve` (or another server) as a subprocess,
headless Debian Chromium through Playwright, signing in, readiness signals read in the page,
and a network and heap meter over the Chrome DevTools Protocol.

Chromium is the system's (`/usr/bin/chromium`); Playwright's own browsers are never
installed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 120.0

# The history figure is drawn: it stands for at least `want` trials and the SVG has its
# markers. Its trials trace is the largest one drawn as bare markers; a figure that samples a
# large run (ours) says in `layout.meta` how many trials it stands for and how many it drew,
# and a live poll appends new points to the trace. Works for a dcc.Graph (the plot div
# inside) and a bare Plotly div; answers [points drawn, trials stood for].
DRAWN_JS = """([selector, want]) => {
  const root = document.querySelector(selector);
  if (!root) return false;
  const gd = root.classList.contains('js-plotly-plot') ? root
    : root.querySelector('.js-plotly-plot');
  if (!gd || !gd.data || !gd._fullLayout) return false;
  const sizes = gd.data.filter(t => t.mode === 'markers' && t.x).map(t => t.x.length);
  const points = Math.max(0, ...sizes);
  const meta = gd.layout && gd.layout.meta;
  const total = meta && Number.isFinite(meta.total) ? meta.total + points - meta.shown : points;
  if (total < want) return false;
  return gd.querySelector('.scatterlayer .trace .point') !== null ? [points, total] : false;
}"""

# Every figure in `selectors` has its server's answer drawn: the answer replaced the empty
# figure of the layout (it has traces, or a template: an answer with no trace still carries
# one) and, when it has traces, Plotly drew them. Answers the number of traces of each; notes
# when each was first seen drawn (ms since the navigation) in `window.__drawnAt`.
FIGURES_JS = """(selectors) => {
  const seen = window.__drawnAt = window.__drawnAt || {};
  const traces = [];
  for (const selector of selectors) {
    const root = document.querySelector(selector);
    const gd = !root ? null : root.classList.contains('js-plotly-plot') ? root
      : root.querySelector('.js-plotly-plot');
    const answered = gd && gd.data && gd._fullLayout && gd._fullData
      && (gd.data.length > 0 || (gd.layout && gd.layout.template));
    const drawn = answered && (!gd.data.length || gd.querySelector(
      '.trace, .contour, .hm, .parcoords, .gl-canvas, .imagelayer image') !== null);
    if (!drawn) { traces.push(null); continue; }
    if (!(selector in seen)) seen[selector] = Math.round(performance.now());
    traces.push(gd.data.length);
  }
  return traces.every(t => t !== null) ? traces : false;
}"""

# When the page's parts arrived, in ms since the navigation: the document, its scripts, the
# Dash layout, the first and the largest callback answers, and the figures FIGURES_JS saw
# drawn.
TIMELINE_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const res = performance.getEntriesByType('resource');
  const end = rs => rs.length ? Math.round(Math.max(...rs.map(r => r.responseEnd))) : null;
  const calls = res.filter(r => r.name.includes('_dash-update-component'));
  const big = calls.reduce((a, r) => (!a || r.decodedBodySize > a.decodedBodySize) ? r : a,
                           null);
  return {
    document_ms: Math.round(nav.responseEnd || 0),
    dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd || 0),
    scripts_ms: end(res.filter(r => r.initiatorType === 'script')),
    layout_ms: end(res.filter(r => r.name.includes('_dash-layout'))),
    first_callback_sent_ms: calls.length ? Math.round(Math.min(...calls.map(r => r.startTime)))
      : null,
    largest_callback: big && {sent_ms: Math.round(big.startTime),
      answered_ms: Math.round(big.responseEnd), bytes: big.decodedBodySize},
    callbacks: calls.length,
    drawn_ms: window.__drawnAt || {},
    plotly_calls: window.__plotMs || [],
  };
}"""

# Installed before any page script: times each Plotly.react/newPlot call until its promise
# settles, into `window.__plotMs` as [graph id, call, ms started, ms taken].
PLOTLY_TIMER_JS = """(() => {
  const times = window.__plotMs = [];
  let real;
  const wrap = (P) => {
    for (const name of ['react', 'newPlot']) {
      const orig = P[name];
      if (typeof orig !== 'function' || orig.__timed) continue;
      const timed = function (gd) {
        const t0 = performance.now();
        const out = orig.apply(this, arguments);
        const holder = gd && gd.closest ? gd.closest('[id]') : null;
        Promise.resolve(out).then(() => times.push(
          [holder ? holder.id : '?', name, Math.round(t0), Math.round(performance.now() - t0)]));
        return out;
      };
      timed.__timed = true;
      P[name] = timed;
    }
  };
  Object.defineProperty(window, 'Plotly', {configurable: true, get() { return real; },
    set(value) { real = value; try { wrap(value); } catch (e) {} }});
})();"""

# The trials table shows rows (loaded ones, not the infinite model's placeholders).
GRID_ROWS_JS = """(selector) => {
  const rows = document.querySelectorAll(
    selector + ' .ag-center-cols-container .ag-row:not(.ag-row-loading)');
  return rows.length > 0 ? rows.length : false;
}"""

# An element is shown with some text in it.
TEXT_JS = """(selector) => {
  const el = document.querySelector(selector);
  return el !== null && el.offsetParent !== null && el.textContent.trim().length > 0;
}"""


# Watches the page frame by frame (requestAnimationFrame, so each check runs just before a
# paint) and notes in `window.__milestones` when each milestone's every (script, arg) first
# answered truthy, in ms since the navigation. Checking in the page, rather than one
# evaluation after another from outside, keeps a milestone's time from taking in the work the
# page does after it (the next figures' draws hold the main thread, and an evaluation from
# outside waits for it). Called as soon as the navigation commits.
WATCH_JS = """(milestones) => {
  const seen = window.__milestones = {};
  const checks = Object.entries(milestones).map(([name, steps]) => [name, steps.map(
    ([source, arg]) => [(0, eval)('(' + source + ')'), arg])]);
  const tick = () => {
    for (const [name, steps] of checks) {
      if (name in seen) continue;
      const ready = steps.every(([check, arg]) => { try { return !!check(arg); }
                                                    catch (e) { return false; } });
      if (ready) seen[name] = performance.now();
    }
    if (Object.keys(seen).length < checks.length) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
WATCHED_JS = """(names) => names.every(n => window.__milestones && n in window.__milestones)
  && window.__milestones"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(command: list[str], env: dict[str, str], ready_url: str, log: Path,
           cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    """A server process in its own process group, up when `ready_url` answers 200; ended
    (the whole group) on the way out, whatever happened."""
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True, cwd=cwd)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def bare_env(**extra: str) -> dict[str, str]:
    """This environment without OptunaGui's settings or a Ray address, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPTUNAGUI_") and k != "RAY_ADDRESS"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _tree(process: subprocess.Popen) -> list[psutil.Process]:
    root = psutil.Process(process.pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(process: subprocess.Popen) -> float | None:
    """CPU time (user + system) of a server process and its children so far."""
    try:
        return sum(sum(p.cpu_times()[:2]) for p in _tree(process))
    except psutil.Error:
        return None


def chromium_cpu() -> dict[str, float]:
    """CPU seconds so far of the Chromium processes under this one, by process type
    (browser, renderer, gpu-process, utility, ...)."""
    out: dict[str, float] = {}
    for child in psutil.Process().children(recursive=True):
        try:
            if "chrom" not in child.name():
                continue
            kind = next((a.split("=", 1)[1] for a in child.cmdline() if a.startswith("--type=")),
                        "browser")
            out[kind] = out.get(kind, 0.0) + sum(child.cpu_times()[:2])
        except psutil.Error:
            continue
    return out


def rss_bytes(process: subprocess.Popen) -> int | None:
    """The resident memory of a server process and its children, or None once it ended."""
    try:
        return sum(p.memory_info().rss for p in _tree(process))
    except psutil.Error:
        return None


@contextmanager
def chromium(playwright: Any) -> Iterator[Any]:
    """A fresh browser and context: closing it ends a renderer still busy drawing."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser.new_context()
    finally:
        browser.close()


def sign_in_page(page: Any, base_url: str, user: str, password: str) -> None:
    """Sign in through the form, as a person does (the experiments page loads after it)."""
    page.goto(base_url + "/login")
    page.fill("#login-username", user)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/experiments.*"))


def sign_in_request(context: Any, base_url: str, user: str, password: str) -> None:
    """Sign the context in by posting the form outside the page: its cookies are set and its
    cache stays empty, so the next page loads cold."""
    form = context.request.get(base_url + "/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if token is None:
        raise RuntimeError("no CSRF field on the sign-in page")
    answer = context.request.post(base_url + "/login", form={
        "username": user, "password": password, "csrf_token": token.group(1), "next": ""},
        max_redirects=0)
    if answer.status != 302:
        raise RuntimeError(f"signing in answered {answer.status}: {answer.text()[:300]}")


def wait_js(page: Any, script: str, arg: Any, timeout_s: float) -> Any:
    """What `script` answers once it answers something truthy, or None after `timeout_s`."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(script, arg=arg, polling=50,
                                        timeout=max(timeout_s, 0.001) * 1000)
    except PlaywrightTimeout:
        return None
    return handle.json_value()


class Meter:
    """Bytes and server waits of a page's requests, and its JS heap, read over CDP.

    `reset()` starts a load; `totals()` sums what finished since: bytes on the wire
    (`encodedDataLength`, headers included), bytes decoded, requests, those served from the
    cache, and the Dash callbacks with their server wait (request sent to headers received)
    and size.
    """

    def __init__(self, context: Any, page: Any) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Performance.enable")
        self._requests: dict[str, dict[str, Any]] = {}
        self._metrics: dict[str, float] = {}
        for event, handler in (("Network.requestWillBeSent", self._sent),
                               ("Network.requestServedFromCache", self._cached),
                               ("Network.responseReceived", self._received),
                               ("Network.dataReceived", self._data),
                               ("Network.loadingFinished", self._finished)):
            self.cdp.on(event, handler)

    def reset(self) -> None:
        self._requests = {}
        self._metrics = self._read_metrics()

    def _read_metrics(self) -> dict[str, float]:
        return {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}

    def busy(self) -> dict[str, float | None]:
        """Seconds of the renderer in this load: its CPU (process and main thread, since
        `reset()`) and the new document's main-thread tasks, scripts, layout and style
        (Chromium counts those per document, from the navigation)."""
        now = self._read_metrics()
        out: dict[str, float | None] = {}
        for key, name in (("process_cpu_s", "ProcessTime"), ("thread_cpu_s", "ThreadTime")):
            spent = now.get(name, 0.0) - self._metrics.get(name, 0.0)
            out[key] = round(spent, 3) if spent >= 0 else None  # None: another renderer
        for key, name in (("tasks_s", "TaskDuration"), ("script_s", "ScriptDuration"),
                          ("layout_s", "LayoutDuration"), ("style_s", "RecalcStyleDuration")):
            out[key] = round(now.get(name, 0.0), 3)
        return out

    def _sent(self, event: dict[str, Any]) -> None:
        request = event["request"]
        output = None
        if "_dash-update-component" in request["url"] and request.get("postData"):
            try:
                output = json.loads(request["postData"]).get("output")
            except ValueError:
                output = "?"
        self._requests[event["requestId"]] = {
            "url": request["url"], "output": output, "cached": False, "wire": 0, "decoded": 0,
            "wait_ms": None, "done": False}

    def _cached(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self._requests:
            self._requests[event["requestId"]]["cached"] = True

    def _received(self, event: dict[str, Any]) -> None:
        entry = self._requests.get(event["requestId"])
        timing = event["response"].get("timing")
        if entry is not None and timing:
            entry["wait_ms"] = timing["receiveHeadersEnd"] - timing["sendStart"]
        if entry is not None and event["response"].get("fromDiskCache"):
            entry["cached"] = True

    def _data(self, event: dict[str, Any]) -> None:
        if event["requestId"] in self._requests:
            self._requests[event["requestId"]]["decoded"] += event["dataLength"]

    def _finished(self, event: dict[str, Any]) -> None:
        entry = self._requests.get(event["requestId"])
        if entry is not None:
            entry["wire"] = int(event["encodedDataLength"])
            entry["done"] = True

    def totals(self) -> dict[str, Any]:
        done = [r for r in self._requests.values() if r["done"]]
        callbacks = sorted((r for r in done if r["output"]), key=lambda r: -(r["wait_ms"] or 0))
        return {
            "wire_bytes": sum(r["wire"] for r in done),
            "decoded_bytes": sum(r["decoded"] for r in done),
            "requests": len(done), "from_cache": sum(r["cached"] for r in done),
            "callback_bytes": sum(r["decoded"] for r in callbacks),
            "callbacks": [{"output": r["output"][:80], "wait_ms": r["wait_ms"],
                           "bytes": r["decoded"]} for r in callbacks[:6]],
        }

    def heap(self, collect: bool = False) -> int:
        """The page's used JS heap in bytes; after a full garbage collection if `collect`."""
        if collect:
            self.cdp.send("HeapProfiler.collectGarbage")
        return int(self.cdp.send("Runtime.getHeapUsage")["usedSize"])
