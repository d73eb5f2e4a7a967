"""Attached studies against optuna-dashboard, on the same SQLite study file.

One SQLite file written with Optuna's own storage holds a study per size (10,000 and 100,000
trials; 5 float parameters, 10 intermediate values each, single objective). The file is
generated once (rows written in bulk through Optuna's RDB models) and kept in a cache folder;
every run works on a copy of it. For each size it measures:

- first mirror: `attach_studies` of the whole history into the product's own database (a
  separate SQLite file);
- polls: `poll_run` with nothing new, after 1 new trial and after 100 new trials (added with
  `study.add_trials`), median of several rounds; target: 1 new trial in <= 50 ms at 100,000;
- first render of the attached run's page (`optunagui serve`, signed in, headless Chromium):
  from navigation to the history figure drawn for every trial (ours samples a large run to
  2,000 points: the best, every new best, an even spread; it says so); `cold` is the first
  load after the server started, `warm` the median of later loads; `live` is the time from
  one trial added to the study until its point shows on the open page (follower + page poll);
- optuna-dashboard on the same file: its study page until its history plot is drawn with
  every point (cold, then one warm load), and its live refresh after one trial is added
  (its page polls every 10 s); a page that does not finish in time is reported as such;
- the ratio optuna-dashboard first load / our first render (target >= 10x).

Prints a table and writes bench/results/attach.json.

    .venv/bin/python bench/attach.py [--sizes 10000 100000] [--quick] [--cache-dir DIR]
    .venv/bin/python bench/attach.py --sizes 100000 --no-browser   # mirror and polls only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from sqlalchemy import func, insert, select

RESULTS = Path(__file__).resolve().parent / "results" / "attach.json"
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python bench/attach.py`
    sys.path.insert(0, str(ROOT))

from bench._browser import (  # noqa: E402
    CHROMIUM,
    DRAWN_JS,
    bare_env,
    chromium,
    free_port,
    server,
    sign_in_page,
)
from optunagui.accounts import hash_password  # noqa: E402
from optunagui.attach import ReaderCache, attach_studies, poll_run  # noqa: E402
from optunagui.store import Database, create_experiment, create_user  # noqa: E402

DATA_VERSION = 1  # names the cached file; change it when the generated study changes
PARAMS = [f"x{i}" for i in range(5)]
STEPS = 10
CHUNK = 10_000
T0 = datetime(2026, 1, 1)
PASSWORD = "bench password 123"
POLL_TARGET_S = 0.050
RATIO_TARGET = 10.0
OURS_TIMEOUT_S = 240.0
THEIRS_TIMEOUT_S = 240.0
LIVE_TIMEOUT_S = 90.0

optuna.logging.set_verbosity(optuna.logging.ERROR)


# -- the study file -----------------------------------------------------------------------------

def _distribution() -> optuna.distributions.FloatDistribution:
    return optuna.distributions.FloatDistribution(-5.0, 5.0)


def _trial_data(numbers: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parameters (n, 5), values (n,) and intermediate values (n, STEPS) of these trials."""
    rng = np.random.default_rng(seed)
    params = rng.uniform(-5.0, 5.0, (len(numbers), len(PARAMS)))
    values = ((params - 1.0) ** 2).sum(axis=1) + rng.random(len(numbers))
    decay = np.exp(-np.arange(1, STEPS + 1) / 3.0)
    steps = values[:, None] * (1 + decay[None, :]) + 0.1 * rng.random((len(numbers), STEPS))
    return params, values, steps


def _write_study(url: str, name: str, n: int) -> None:
    """`n` complete trials written in bulk into Optuna's tables, as Optuna itself stores them."""
    from optuna.storages._rdb import models

    storage = optuna.storages.RDBStorage(url)
    try:
        study_id = optuna.create_study(study_name=name, storage=storage,
                                       direction="minimize")._study_id
        distribution = optuna.distributions.distribution_to_json(_distribution())
        finite_value = models.TrialValueModel.TrialValueType.FINITE
        finite_step = models.TrialIntermediateValueModel.TrialIntermediateValueType.FINITE
        with storage.engine.begin() as connection:
            base = connection.scalar(select(func.coalesce(func.max(
                models.TrialModel.trial_id), 0)))
            for start in range(0, n, CHUNK):
                numbers = np.arange(start, min(start + CHUNK, n))
                params, values, steps = _trial_data(numbers, seed=n + start)
                ids = (base + 1 + numbers).tolist()
                started = [T0 + timedelta(seconds=int(i)) for i in numbers]
                connection.execute(insert(models.TrialModel.__table__), [
                    {"trial_id": t, "number": int(k), "study_id": study_id,
                     "state": optuna.trial.TrialState.COMPLETE, "datetime_start": s,
                     "datetime_complete": s + timedelta(seconds=0.9)}
                    for t, k, s in zip(ids, numbers, started, strict=True)])
                connection.execute(insert(models.TrialParamModel.__table__), [
                    {"trial_id": t, "param_name": p, "param_value": float(params[i, j]),
                     "distribution_json": distribution}
                    for i, t in enumerate(ids) for j, p in enumerate(PARAMS)])
                connection.execute(insert(models.TrialValueModel.__table__), [
                    {"trial_id": t, "objective": 0, "value": float(values[i]),
                     "value_type": finite_value} for i, t in enumerate(ids)])
                connection.execute(insert(models.TrialIntermediateValueModel.__table__), [
                    {"trial_id": t, "step": step, "intermediate_value": float(steps[i, step]),
                     "intermediate_value_type": finite_step}
                    for i, t in enumerate(ids) for step in range(STEPS)])
        _check_study(storage, name, n)
    finally:
        storage.remove_session()
        storage.engine.dispose()


def _check_study(storage: optuna.storages.RDBStorage, name: str, n: int) -> None:
    """The bulk rows read back through Optuna as the trials `create_trial` would make."""
    study_id = storage.get_study_id_from_name(name)
    if storage.get_n_trials(study_id) != n:
        raise AssertionError(f"{name} holds {storage.get_n_trials(study_id)} trials, not {n}")
    for start in sorted({0, (n - 1) // CHUNK * CHUNK}):  # the first trial of a chunk
        params, values, steps = _trial_data(np.arange(start, min(start + CHUNK, n)),
                                            seed=n + start)
        expected = optuna.trial.create_trial(
            params={p: float(params[0, j]) for j, p in enumerate(PARAMS)},
            distributions={p: _distribution() for p in PARAMS}, value=float(values[0]),
            intermediate_values={s: float(steps[0, s]) for s in range(STEPS)})
        trial = storage.get_trial(storage.get_trial_id_from_study_id_trial_number(
            study_id, start))
        if (trial.number, trial.state, trial.params, trial.distributions, trial.value,
                trial.intermediate_values) != (start, expected.state, expected.params,
                                               expected.distributions, expected.value,
                                               expected.intermediate_values):
            raise AssertionError(f"trial {start} of {name} does not read back as written")


def study_name(n: int) -> str:
    return f"bench-{n}"


def cached_study_file(cache_dir: Path, sizes: list[int]) -> tuple[Path, dict[int, float]]:
    """The cached file with a study of each size (written now if missing, into a copy that
    replaces the file once complete): its path and the seconds each new study took."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"attach-studies-v{DATA_VERSION}.db"
    existing = ({s.study_name for s in optuna.get_all_study_summaries(f"sqlite:///{path}")}
                if path.exists() else set())
    written = {}
    missing = [n for n in sizes if study_name(n) not in existing]
    if not missing:
        return path, written
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    if path.exists():
        shutil.copyfile(path, partial)
    for n in missing:
        print(f"writing a study of {n:,} trials into {path} ...", flush=True)
        started = time.perf_counter()
        _write_study(f"sqlite:///{partial}", study_name(n), n)
        written[n] = time.perf_counter() - started
        print(f"  written and checked in {written[n]:.1f} s", flush=True)
    os.replace(partial, path)
    return path, written


def add_trials(storage: optuna.storages.RDBStorage, name: str, count: int, seed: int) -> None:
    """`count` complete trials with their steps, added to the study with Optuna."""
    study = optuna.load_study(study_name=name, storage=storage)
    params, values, steps = _trial_data(np.arange(count), seed=seed)
    study.add_trials([optuna.trial.create_trial(
        params={p: float(params[i, j]) for j, p in enumerate(PARAMS)},
        distributions={p: _distribution() for p in PARAMS}, value=float(values[i]),
        intermediate_values={s: float(steps[i, s]) for s in range(STEPS)})
        for i in range(count)])


# -- servers and the browser --------------------------------------------------------------------

def time_drawn(page: Any, load: Callable[[], None] | None, selector: str, want: int,
               timeout_s: float) -> tuple[float | None, int | None]:
    """Seconds from `load()` (or now) until the figure in `selector` is drawn standing for
    `want` trials, and how many points it drew; (None, None) when it did not finish in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    if load is not None:
        load()
    try:
        handle = page.wait_for_function(DRAWN_JS, arg=[selector, want], polling=100,
                                        timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        return None, None
    points, _ = handle.json_value()
    return time.perf_counter() - started, int(points)


def _goto(page: Any, url: str) -> Callable[[], None]:
    return lambda: page.goto(url, wait_until="commit", timeout=OURS_TIMEOUT_S * 1000)


# -- one size -----------------------------------------------------------------------------------

def _median(samples: list[float]) -> float:
    return float(statistics.median(samples))


def _polls(db: Database, run_id: int, storage: optuna.storages.RDBStorage, name: str,
           rounds: int) -> dict[str, Any]:
    readers = ReaderCache()
    try:
        poll_run(db, run_id, readers)  # the reader's engine and the run's rows, warm
        out: dict[str, Any] = {}
        for new in (0, 1, 100):
            times, mirrored = [], []
            for round_ in range(rounds):
                if new:
                    add_trials(storage, name, new, seed=1000 * new + round_)
                started = time.perf_counter()
                outcome = poll_run(db, run_id, readers)
                times.append(time.perf_counter() - started)
                if outcome.error:
                    raise RuntimeError(f"poll failed: {outcome.error}")
                mirrored.append(outcome.mirrored)
            if new and min(mirrored) < new:
                raise AssertionError(f"a poll after {new} new trials mirrored {mirrored}")
            out[str(new)] = {"median_s": _median(times), "max_s": max(times),
                             "rounds": rounds, "mirrored": mirrored}
        return out
    finally:
        readers.close()


def _ours(playwright: Any, base_url: str, run_id: int, want: int, loads: int,
          live: Callable[[], None]) -> dict[str, Any]:
    with chromium(playwright) as context:
        page = context.new_page()
        page.set_default_timeout(OURS_TIMEOUT_S * 1000)
        sign_in_page(page, base_url, "admin", PASSWORD)
        url = f"{base_url}/runs/{run_id}"
        cold, drawn = time_drawn(page, _goto(page, url), "#run-history-graph", want,
                                 OURS_TIMEOUT_S)
        warm = [time_drawn(page, _goto(page, url), "#run-history-graph", want,
                           OURS_TIMEOUT_S)[0] for _ in range(loads)]
        live()
        refresh, _ = time_drawn(page, None, "#run-history-graph", want + 1, LIVE_TIMEOUT_S)
        return {"cold_s": cold, "points": drawn,
                "warm_s": _median([w for w in warm if w is not None]) if all(warm) else None,
                "warm_samples_s": warm, "live_refresh_s": refresh}


def _theirs(playwright: Any, base_url: str, study_id: int, want: int, loads: int,
            live: Callable[[], None]) -> dict[str, Any]:
    with chromium(playwright) as context:
        page = context.new_page()
        page.set_default_timeout(THEIRS_TIMEOUT_S * 1000)
        url = f"{base_url}/dashboard/studies/{study_id}"
        cold, drawn = time_drawn(page, _goto(page, url), "#plot-history", want,
                                 THEIRS_TIMEOUT_S)
        result: dict[str, Any] = {"cold_s": cold, "points": drawn, "timeout_s": THEIRS_TIMEOUT_S}
        if cold is None:
            return result
        warm = [time_drawn(page, _goto(page, url), "#plot-history", want, THEIRS_TIMEOUT_S)[0]
                for _ in range(loads)]
        result.update(warm_s=_median([w for w in warm if w is not None]) if all(warm) else None,
                      warm_samples_s=warm)
        live()
        result["live_refresh_s"], _ = time_drawn(page, None, "#plot-history", want + 1,
                                                 LIVE_TIMEOUT_S)
        return result


def bench_size(n: int, study_file: Path, playwright: Any | None, rounds: int, loads: int
               ) -> dict[str, Any]:
    """One size; `playwright` None: the mirror and the polls only, no pages."""
    name = study_name(n)
    result: dict[str, Any] = {"trials": n, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="og-bench-attach-") as folder:
        work = Path(folder)
        external = work / "study.db"
        shutil.copyfile(study_file, external)
        external_url = f"sqlite:///{external}"
        storage = optuna.storages.RDBStorage(external_url,
                                             engine_kwargs={"connect_args": {"timeout": 60}})
        data_dir = work / "data"
        data_dir.mkdir()
        product_url = f"sqlite:///{data_dir / 'optunagui.db'}"
        db = Database(product_url)
        try:
            db.upgrade()
            with db.session() as session:
                user = create_user(session, "admin", hash_password(PASSWORD), is_admin=True)
                experiment_id = create_experiment(session, "attached", user.id).id
            started = time.perf_counter()
            [attached] = attach_studies(db, storage=external_url, studies=[name],
                                        experiment_id=experiment_id, user_id=user.id,
                                        database_url=product_url, follow=True, mirror_now=True)
            result["first_mirror_s"] = time.perf_counter() - started
            if attached.error or attached.mirrored != n:
                raise AssertionError(f"the first mirror: {attached}")
            run_id = attached.run_id
            result["polls"] = _polls(db, run_id, storage, name, rounds)
        finally:
            db.dispose()
        study_id = storage.get_study_id_from_name(name)
        complete = storage.get_n_trials(study_id)  # every trial of the study is complete
        count = {"next": 0}

        def one_more() -> None:
            count["next"] += 1
            add_trials(storage, name, 1, seed=7_000 + count["next"])

        if playwright is not None:
            result.update(_pages(playwright, work, external_url, run_id, study_id, complete,
                                 loads, one_more))
        storage.remove_session()
        storage.engine.dispose()
    ours = result.get("ours", {}).get("cold_s")
    theirs = result.get("optuna_dashboard", {}).get("cold_s")
    result["ratio_first_load"] = theirs / ours if ours and theirs else None
    result["load_after"] = os.getloadavg()[0]
    return result


def _pages(playwright: Any, work: Path, external_url: str, run_id: int, study_id: int,
           complete: int, loads: int, one_more: Callable[[], None]) -> dict[str, Any]:
    """Our run page, then optuna-dashboard's study page (one server up at a time)."""
    result: dict[str, Any] = {}
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    serve = [str(Path(sys.executable).with_name("optunagui")), "serve", "--host",
                 "127.0.0.1", "--port", str(port)]
    with server(serve, bare_env(OPTUNAGUI_DATA_DIR=str(work / "data")),
                base_url + "/login", work / "serve.log"):
        result["ours"] = _ours(playwright, base_url, run_id, complete, loads, one_more)
    complete += 1  # the trial added for our live refresh
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    dashboard = [str(Path(sys.executable).with_name("optuna-dashboard")), external_url,
                 "--host", "127.0.0.1", "--port", str(port)]
    with server(dashboard, bare_env(), base_url + "/api/meta", work / "dashboard.log"):
        result["optuna_dashboard"] = _theirs(playwright, base_url, study_id, complete, 1,
                                             one_more)
    return result


# -- output -------------------------------------------------------------------------------------

def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f} ms" if seconds < 10 \
        else f"{seconds:,.1f} s"


def _print(result: dict[str, Any]) -> None:
    n = result["trials"]
    polls, ours, theirs = result["polls"], result.get("ours"), result.get("optuna_dashboard")
    print(f"\n{n:,} trials (load average {result['load_before']:.1f} before, "
          f"{result['load_after']:.1f} after)")
    print(f"  first mirror (attach_studies)      {_ms(result['first_mirror_s']):>12}")
    for new, label in (("0", "nothing new"), ("1", "1 new trial"), ("100", "100 new trials")):
        p = polls[new]
        mark = ""
        if new == "1":
            mark = "  ok" if p["median_s"] <= POLL_TARGET_S else "  over the 50 ms target"
        print(f"  poll, {label:<28}{p['median_s'] * 1000:>9.1f} ms  (median of {p['rounds']}, "
              f"max {p['max_s'] * 1000:.1f} ms){mark}")
    if not ours:
        return
    print(f"  {'':<35}{'OptunaGui':>12}{'optuna-dashboard':>19}")
    late = f"did not finish in {theirs['timeout_s']:.0f} s"
    print(f"  {'first load, cold':<35}{_ms(ours['cold_s']):>12}"
          f"{_ms(theirs['cold_s']) if theirs['cold_s'] else '  ' + late:>19}")
    print(f"  {'load, warm (median)':<35}{_ms(ours.get('warm_s')):>12}"
          f"{_ms(theirs.get('warm_s')):>19}")
    print(f"  {'live: 1 trial added -> drawn':<35}{_ms(ours.get('live_refresh_s')):>12}"
          f"{_ms(theirs.get('live_refresh_s')):>19}")
    print(f"  {'points drawn':<35}{ours['points'] or 0:>12,}{theirs['points'] or 0:>19,}")
    ratio = result["ratio_first_load"]
    if ratio is None:
        print("  ratio optuna-dashboard / OptunaGui first load: not measured"
              + (f" (optuna-dashboard {late})" if not theirs["cold_s"] else ""))
    else:
        print(f"  ratio optuna-dashboard / OptunaGui first load: {ratio:.1f}x "
              f"({'ok' if ratio >= RATIO_TARGET else 'under'} the {RATIO_TARGET:.0f}x target)")
    for side, numbers in (("OptunaGui", ours), ("optuna-dashboard", theirs)):
        if numbers.get("cold_s") and numbers.get("live_refresh_s") is None:
            print(f"  {side}: the added trial's point did not show within {LIVE_TIMEOUT_S:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--quick", action="store_true", help="one study of 2,000 trials")
    parser.add_argument("--rounds", type=int, default=7, help="polls per case (median)")
    parser.add_argument("--loads", type=int, default=3, help="warm loads of our page (median; "
                        "optuna-dashboard's page is loaded warm once)")
    parser.add_argument("--no-browser", action="store_true",
                        help="the first mirror and the polls only: no servers, no pages")
    parser.add_argument("--cache-dir", type=Path, default=Path(os.environ.get(
        "XDG_CACHE_HOME", Path.home() / ".cache")) / "optunagui-bench")
    args = parser.parse_args(argv)
    sizes = [2_000] if args.quick else args.sizes
    if not args.no_browser and shutil.which(CHROMIUM) is None:
        print(f"{CHROMIUM} is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 2
    study_file, written = cached_study_file(args.cache_dir, sizes)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "optuna": optuna.__version__,
        "optuna_dashboard": _version("optuna-dashboard"), "study_file": str(study_file),
        "generated_s": {str(k): v for k, v in written.items()},
        "targets": {"poll_1_new_s_at_100k": POLL_TARGET_S, "first_load_ratio": RATIO_TARGET},
        "sizes": {},
    }
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        for n in sizes:
            results["sizes"][str(n)] = numbers = bench_size(
                n, study_file, None if args.no_browser else playwright, args.rounds,
                args.loads)
            _print(numbers)
    if RESULTS.exists():  # sizes measured before and not now are kept
        results["sizes"] = {**json.loads(RESULTS.read_text()).get("sizes", {}),
                            **results["sizes"]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {RESULTS}")
    return 0


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    raise SystemExit(main())
