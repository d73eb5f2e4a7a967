"""The targets of bench/browser.py (issue 17, "Perceived speed") and its printed tables:
per size, each number beside its target with ok or missed, then where the time of the last
warm load went (the server's waits and CPU, Chromium's CPU by process, Plotly's draws).
"""

from __future__ import annotations

from typing import Any

PAGE_TIMEOUT_S = 60.0
LIVE_TIMEOUT_S = 30.0
HEAP_FLAT = 0.10  # the heap after a full collection grows by at most this fraction
TARGETS = {
    "run_head_warm_s": {"10000": 1.0, "100000": 2.0},
    "run_rest_warm_s": {"10000": 1.5, "100000": 3.0},
    "cold_over_warm_s": 1.0,
    "analysis_tab_warm_s": {"10000": 1.5, "100000": 3.0},
    "tab_switch_s": 1.0,
    "compare_5x10k_s": 2.0,
    "warm_load_bytes_10k": 1_000_000,
    "bytes_growth_10k_to_100k": 2.0,  # "not growing linearly": well under 10x
    "live_new_trial_s": 1.5,
    "heap_growth": HEAP_FLAT,
}


def target(name: str, n: int) -> float:
    """The target at size `n`: the 10,000 one up to 10,000 trials, the 100,000 one above."""
    by_size = TARGETS[name]
    return by_size["10000"] if n <= 10_000 else by_size["100000"]


# -- the table -------------------------------------------------------------------------------

def _s(seconds: float | None, limit: float = PAGE_TIMEOUT_S) -> str:
    if seconds is None:
        return f"did not finish in {limit:.0f} s"
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def _t(seconds: float | None) -> str:
    return "—" if seconds is None else _s(seconds)


def _bytes(size: float | None) -> str:
    if size is None:
        return "—"
    return f"{size / 1e6:,.2f} MB" if abs(size) >= 1e5 else f"{size / 1e3:,.1f} kB"


def _verdict(value: float | None, limit: float) -> str:
    return "not measured" if value is None else "ok" if value <= limit else "missed"


def _cold(cold: float | None, warm: float | None) -> str:
    if cold is None or warm is None:
        return "cold not measured"
    margin = TARGETS["cold_over_warm_s"]
    return f"cold {'ok' if cold <= warm + margin else 'missed'} (<= warm + {margin:.0f} s)"


def _row(label: str, cold: str, warm: str, goal: str, verdict: str) -> None:
    print(f"  {label:<36}{cold:>22}{warm:>22}  {goal:<18}{verdict}")


def _timed_rows(label: str, numbers: dict[str, Any], key: str, limit: float) -> None:
    cold, warm = numbers["cold"][key], numbers["warm"][key]
    _row(label, _s(cold), _s(warm), f"warm <= {limit:g} s",
         f"{_verdict(warm, limit)}; {_cold(cold, warm)}")


def _bytes_rows(label: str, numbers: dict[str, Any], n: int) -> None:
    cold, warm = numbers["cold"]["wire_bytes"], numbers["warm"]["wire_bytes"]
    limit = TARGETS["warm_load_bytes_10k"]
    if n <= 10_000:
        goal, verdict = f"warm <= {limit / 1e6:g} MB", _verdict(warm, limit)
    else:
        goal, verdict = "sublinear", "see the growth below"
    _row(label, _bytes(cold), _bytes(warm), goal, verdict)


def _slowest(label: str, numbers: dict[str, Any]) -> None:
    """Where the last warm load's time went."""
    last = numbers["warm_samples"][-1] if numbers["warm_samples"] else numbers["cold"]
    top = ", ".join(f"{c['output'][:42]} {c['wait_ms'] or 0:,.0f} ms {_bytes(c['bytes'])}"
                    for c in last["callbacks"][:3])
    print(f"    {label}: {last['requests']} requests ({last['from_cache']} from the cache), "
          f"callbacks {_bytes(last['callback_bytes'])} decoded; slowest (server wait): {top}")
    line = last["timeline"]
    big = line["largest_callback"] or {}
    drawn = ", ".join(f"{k.strip('#').removesuffix('-graph')} {v:,}"
                      for k, v in sorted(line["drawn_ms"].items(), key=lambda kv: kv[1]))
    print(f"      ms after navigating: document {line['document_ms']:,}, scripts "
          f"{line['scripts_ms'] or 0:,}, DOMContentLoaded {line['dom_content_loaded_ms']:,}, "
          f"layout {line['layout_ms'] or 0:,}, first callback sent "
          f"{line['first_callback_sent_ms'] or 0:,}, largest answer sent "
          f"{big.get('sent_ms', 0):,} answered {big.get('answered_ms', 0):,} "
          f"({_bytes(big.get('bytes'))}); {line['callbacks']} callbacks; seen drawn: {drawn}")
    _cpu(last)


def _cpu(last: dict[str, Any]) -> None:
    plots = ", ".join(f"{gid.removesuffix('-graph')} @{at:,} +{ms:,}" for gid, _, at, ms in
                      sorted(last["timeline"]["plotly_calls"], key=lambda c: -c[3])[:5])
    busy = last["browser"]
    chromium = ", ".join(f"{kind} {_t(spent)}" for kind, spent in sorted(
        last["chromium_cpu_s"].items(), key=lambda kv: -kv[1]) if spent >= 0.01)
    print(f"      over {_t(last['wall_s'])}: server CPU {_t(last['server_cpu_s'])}; Chromium "
          f"CPU {chromium}; renderer main thread busy {_t(busy['tasks_s'])} (scripts "
          f"{_t(busy['script_s'])}, layout {_t(busy['layout_s'])}, style "
          f"{_t(busy['style_s'])})")
    print(f"      longest Plotly draws (@ms started +ms until drawn): {plots}")


def _heap_row(label: str, numbers: dict[str, Any]) -> None:
    def heap(sample: dict[str, Any]) -> str:
        return f"{_bytes(sample['heap_bytes'])} ({_bytes(sample['heap_collected_bytes'])})"

    _row(label, heap(numbers["cold"]), heap(numbers["warm"]), "(after a collection)", "")


def _live_rows(live: dict[str, Any]) -> None:
    limit = TARGETS["live_new_trial_s"]
    _row("live: 1 new trial -> its point shows", "", _s(live["new_trial_s"], LIVE_TIMEOUT_S),
         f"<= {limit:g} s", _verdict(live["new_trial_s"], limit))
    growth = live["heap_growth"]
    heap = f"{_bytes(live['heap_before_bytes'])} -> {_bytes(live['heap_after_bytes'])}"
    flat = "ok" if growth <= HEAP_FLAT else "missed"
    _row(f"live: JS heap over {live['minutes']:g} min", "", heap,
         f"flat (<= +{HEAP_FLAT:.0%})", f"{flat} ({growth:+.1%}, after a full collection)")
    per_minute = (live["heap_after_bytes"] - live["heap_before_bytes"]) / live["minutes"]
    rate = live.get("rate", 1)
    print(f"    the target is a live run of an hour; this measured {live['minutes']:g} minutes "
          f"({live['trials_written']} trials written, {rate} a second; the page "
          f"{'caught up with every one' if live['caught_up'] else 'did NOT catch up'}); "
          f"{_bytes(per_minute)} a minute, {_bytes(60 * per_minute)} an hour at that rate")
    first, second = live.get("heap_growth_halves_bytes", [None, None])
    if first is not None:
        print(f"    heap growth, first half {_bytes(first)}, second half {_bytes(second)} "
              f"(after collections)")


def _failed(label: str, numbers: dict[str, Any]) -> bool:
    if "error" in numbers:
        print(f"  {label}: not measured, {numbers['error']}")
    return "error" in numbers


def _run_rows(n: int, run: dict[str, Any]) -> None:
    if _failed("run page", run):
        return
    _timed_rows("run page: header + history", run, "head_s", target("run_head_warm_s", n))
    _timed_rows("run page: the rest (figures, table)", run, "rest_s",
                target("run_rest_warm_s", n))
    _bytes_rows("bytes per load, run page", run, n)
    _heap_row("JS heap after a load, run page", run)
    _live_rows(run["live"])
    print(f"    server RSS after the loads and the live minutes {_bytes(run['server_rss_bytes'])}")
    _slowest("run page, last warm load", run)


def _analysis_rows(n: int, analysis: dict[str, Any]) -> None:
    if _failed("analysis page", analysis):
        return
    _timed_rows("analysis: visible tab (4 figures)", analysis, "tab_s",
                target("analysis_tab_warm_s", n))
    limit = TARGETS["tab_switch_s"]
    for name, switch in analysis["warm"]["after_s"].items():
        _row(f"analysis: switch to {name}", _s(analysis["cold"]["after"][name]), _s(switch),
             f"<= {limit:g} s", _verdict(switch, limit))
    _bytes_rows("bytes per load, analysis", analysis, n)
    _heap_row("JS heap after a load, analysis", analysis)
    print(f"    server RSS after the loads {_bytes(analysis['server_rss_bytes'])}")
    _slowest("analysis, last warm load", analysis)


def print_size(result: dict[str, Any]) -> None:
    n = result["trials"]
    print(f"\n{n:,} trials (load average {result['load_before']:.1f} before, "
          f"{result['load_after']:.1f} after)")
    _row("", "cold", "warm (median)", "target", "")
    _run_rows(n, result["run_page"])
    if "analysis_page" in result:
        _analysis_rows(n, result["analysis_page"])


def print_compare(result: dict[str, Any]) -> None:
    page = result["page"]
    print(f"\ncompare page, {result['runs']} runs of {result['trials_each']:,} trials "
          f"(load average {result['load_before']:.1f} before, {result['load_after']:.1f} after)")
    if _failed("compare page", page):
        return
    _row("", "cold", "warm (median)", "target", "")
    _timed_rows("compare: figures drawn", page, "figures_s", TARGETS["compare_5x10k_s"])
    _bytes_rows("bytes per load, compare", page, 10_000)
    _heap_row("JS heap after a load", page)
    print(f"    server RSS after the loads {_bytes(page['server_rss_bytes'])}")
    _slowest("compare, last warm load", page)


def print_growth(sizes: dict[str, Any]) -> dict[str, Any]:
    """Bytes per warm load at 100,000 against 10,000 (both measured): sublinear or not."""
    if "10000" not in sizes or "100000" not in sizes:
        return {}
    growth: dict[str, Any] = {}
    limit = TARGETS["bytes_growth_10k_to_100k"]
    print("\nbytes per warm load, 100,000 trials against 10,000 (10x the trials)")
    for page in ("run_page", "analysis_page"):
        small = sizes["10000"].get(page, {}).get("warm", {}).get("wire_bytes")
        big = sizes["100000"].get(page, {}).get("warm", {}).get("wire_bytes")
        ratio = big / small if small and big else None
        growth[page] = ratio
        shown = "—" if ratio is None else f"{ratio:.2f}x"
        print(f"  {page.replace('_', ' '):<14}{shown:>8}  (<= {limit:g}x: "
              f"{_verdict(ratio, limit)})")
    return growth
