"""What running trials through Ray Tune and the product costs, on a trivial objective.

The objective draws ``x`` in [-10, 10] and reports ``(x - 2)^2 + 1/step`` for 10 steps, so
the time measured is the machinery's. Ray gets 2 CPUs; trials run 2 at a time.

- (a) plain Optuna, in-memory study, ``study.optimize`` (sequential, one process);
- (b) bare Ray Tune + OptunaSearch (in-memory study), ``reuse_actors=True``;
- (c) bare Ray Tune + OptunaSearch with Tune's defaults (a new actor per trial, its loggers);
- (d) the product: ``cluster.driver.main.run_driver`` on a SQLite database, every trial, step
  and event persisted (study in Optuna's tables, trials and trial events in ours);
- (e) the product running the same objective as a user's own code (a ``train.py:objective``
  that suggests in the worker, reports each step and asks ``should_prune``), as
  ``optunagui run train.py:objective`` would, with median pruning on (its grace period past
  the last step, so every trial runs to the end like the others);
- (f) (d) with MLflow tracking on (``tracking.mlflow`` to a local SQLite tracking store): the
  driver's tracker thread logs the parent run, a child run per trial and every step, and the
  time includes its last pass at the end of the run. (f) runs twice with (d) again between,
  and the ratio takes each side's faster time.

Ray is started once, and a 2-trial warm-up of (b), (d), (e) and (f) pays the imports (and
creates the MLflow store's tables), before the timings; each time covers building the
experiment and running it to the end. Targets: (d)/(b) <= 1.5, (e)/(b) <= 1.5,
(c)/(d) >= 10 and (f)/(d) <= 1.1 (per trial, same size). The large size (400 by default)
runs (a), (b), (d), (e) and (f) only; (c) is slow by design and runs at the small size
(``--c-trials`` lowers it further and says so in the output).

    .venv/bin/python -m bench.overhead [--trials 40] [--large 400] [--c-trials 40]

Prints a table and writes bench/results/overhead.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import optuna

RESULTS = Path(__file__).resolve().parent / "results" / "overhead.json"
N_STEPS = 10
N_CPUS = 2
CONCURRENT = 2
SEED = 0


def _loss(x: float, step: int) -> float:
    return (x - 2.0) ** 2 + 1.0 / step


def _define_space(trial: optuna.Trial) -> None:
    trial.suggest_float("x", -10.0, 10.0)


@contextmanager
def _env(**values: str | None) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def plain_optuna(n_trials: int) -> float:
    """(a) Optuna alone, in memory."""

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -10.0, 10.0)
        value = 0.0
        for step in range(1, N_STEPS + 1):
            value = _loss(x, step)
            trial.report(value, step)
        return value

    start = time.perf_counter()
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=SEED))
    study.optimize(objective, n_trials=n_trials)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def _tune_trainable(config: Mapping[str, Any]) -> None:
    from ray import tune

    for step in range(1, N_STEPS + 1):
        tune.report({"loss": _loss(float(config["x"]), step), "step": step})


def bare_tune(n_trials: int, *, reuse_actors: bool, folder: Path) -> float:
    """(b) and (c): Ray Tune with OptunaSearch on an in-memory study."""
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    start = time.perf_counter()
    searcher = OptunaSearch(space=_define_space, metric="loss", mode="min",
                            sampler=optuna.samplers.TPESampler(seed=SEED))
    tuner = tune.Tuner(
        _tune_trainable,
        tune_config=tune.TuneConfig(search_alg=searcher, num_samples=n_trials,
                                    max_concurrent_trials=CONCURRENT, reuse_actors=reuse_actors),
        run_config=tune.RunConfig(storage_path=str(folder), verbose=0,
                                  name=f"bare-{'reuse' if reuse_actors else 'default'}"),
    )
    results = tuner.fit()
    elapsed = time.perf_counter() - start
    assert len(results) == n_trials and not results.errors
    return elapsed


def _product_evaluate(spec: Any, params: Mapping[str, Any], data: Any, reporter: Any = None,
                      device: str = "cpu") -> Any:
    from optunagui.objective import TrialResult

    x = float(params["x"])
    value = 0.0
    for step in range(1, N_STEPS + 1):
        value = _loss(x, step)
        if reporter is not None:
            reporter.report(step, {"loss": value})
    return TrialResult(values=[value], metrics={"loss": value}, fold_scores={},
                       fit_time_s=0.0, n_steps=N_STEPS)


def product_run(n_trials: int, folder: Path, *, tracking_uri: str | None = None
                ) -> tuple[float, dict[str, int]]:
    """(d) the product's driver on a SQLite database; also returns what it recorded. With
    `tracking_uri`, (f): the same run logged to MLflow there."""
    from cluster.driver.main import run_driver
    from optunagui import store
    from optunagui.config import load_settings
    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

    data_dir = folder / f"product-{n_trials}{'-mlflow' if tracking_uri else ''}"
    tracked_in = f"overhead-{n_trials}-{time.time_ns()}"
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(data_dir)})
    db = Database(settings.database_url)
    db.upgrade()
    spec = ExperimentSpec.model_validate({
        "name": "overhead",
        "dataset": {"builtin": "iris"},
        "model": "logistic_regression",
        "space": {"x": {"type": "float", "low": -10.0, "high": 10.0}},
        "metrics": [{"name": "loss", "direction": "minimize"}],
        "sampler": {"name": "tpe", "seed": SEED},
        "budget": {"n_trials": n_trials, "max_concurrent": CONCURRENT},
        "resources": {"cpu": 1, "gpu": 0},
        "tracking": {"mlflow": {"tracking_uri": tracking_uri, "experiment_name": tracked_in}}
        if tracking_uri else None,
    })
    with db.session() as session:
        user = store.create_user(session, "bench", "!")
        experiment = store.create_experiment(session, "bench", user.id)
        run_id = store.create_run(session, experiment.id, "overhead", spec,
                                  created_by=user.id).id
    start = time.perf_counter()
    status = run_driver(run_id, settings, evaluate=_product_evaluate)
    elapsed = time.perf_counter() - start
    with db.session() as session:
        counts = store.count_trials_by_state(session, run_id)
        n_events = store.last_event_id(session, run_id)
        n_results = sum(1 for e in store.list_events_after(session, run_id, 0, 100_000)
                        if e.kind == "result")
    db.dispose()
    assert status == "completed" and counts["complete"] == n_trials, (status, counts)
    recorded = {"complete": counts["complete"], "result_events": n_results,
                "last_event_id": n_events}
    if tracking_uri:
        recorded.update(_mlflow_recorded(tracking_uri, tracked_in))
        assert recorded["mlflow_children"] == n_trials, recorded
    return elapsed, recorded


def _mlflow_recorded(tracking_uri: str, experiment_name: str) -> dict[str, int]:
    """What the tracking store holds: the parent's children and their logged steps."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, experiment_name
    runs = client.search_runs([experiment.experiment_id], max_results=10_000)
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    steps = sum(len(client.get_metric_history(r.info.run_id, "loss")) for r in children)
    return {"mlflow_children": len(children), "mlflow_loss_points": steps}


CODE = """
import optuna


def objective(trial):
    x = trial.suggest_float("x", -10.0, 10.0)
    value = 0.0
    for step in range(1, 11):
        value = (x - 2.0) ** 2 + 1.0 / step
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value
"""


def product_code_run(n_trials: int, folder: Path) -> tuple[float, dict[str, int]]:
    """(e) the product running the objective as the user's code (its own file)."""
    from cluster.driver.main import run_driver
    from optunagui import store
    from optunagui.code.launch import with_stored_code
    from optunagui.config import load_settings
    from optunagui.spec.validation import validate_spec
    from optunagui.store import Database

    data_dir = folder / f"code-{n_trials}"
    code_dir = data_dir / "user-code"
    code_dir.mkdir(parents=True, exist_ok=True)
    (code_dir / "train.py").write_text(CODE)
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(data_dir)})
    db = Database(settings.database_url)
    db.upgrade()
    spec = validate_spec({
        "name": "overhead (code)",
        "objective": {"function": "train.py:objective"},
        "metrics": [{"name": "loss", "direction": "minimize"}],
        "sampler": {"name": "tpe", "seed": SEED},
        "pruner": {"name": "median", "grace_period": N_STEPS + 1},
        "budget": {"n_trials": n_trials, "max_concurrent": CONCURRENT},
    }, base_dir=code_dir)
    with db.session() as session:
        user = store.create_user(session, "bench", "!")
        experiment = store.create_experiment(session, "bench", user.id)
        spec = with_stored_code(session, spec)
        run_id = store.create_run(session, experiment.id, "overhead", spec,
                                  created_by=user.id).id
    start = time.perf_counter()
    status = run_driver(run_id, settings)
    elapsed = time.perf_counter() - start
    with db.session() as session:
        counts = store.count_trials_by_state(session, run_id)
    db.dispose()
    assert status == "completed" and counts["complete"] == n_trials, (status, counts)
    return elapsed, {"complete": counts["complete"]}


def _tracking_pair(n: int, folder: Path, tracking_uri: str
                   ) -> tuple[float, dict[str, int], float]:
    """(f) twice, with (d) again between them: the machine's load changes over a minute, so
    each side keeps its faster time. Returns (f, what MLflow holds, the second (d))."""
    first_s, tracked = product_run(n, folder / "f1", tracking_uri=tracking_uri)
    d_again_s, _ = product_run(n, folder / "d2")
    second_s, _ = product_run(n, folder / "f2", tracking_uri=tracking_uri)
    return min(first_s, second_s), tracked, d_again_s


def _timed(label: str, run: Callable[[], float]) -> float:
    print(f"  {label} ...", end="", flush=True)
    elapsed = run()
    print(f" {elapsed:.2f} s", flush=True)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--large", type=int, default=400, help="0 skips the large size")
    parser.add_argument("--c-trials", type=int, default=None,
                        help="trials for (c) (default: --trials)")
    args = parser.parse_args(argv)
    c_trials = args.c_trials or args.trials

    import ray

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("ray").setLevel(logging.ERROR)
    os.environ["RAY_AIR_NEW_OUTPUT"] = "0"
    os.environ["TUNE_DISABLE_AUTO_CALLBACK_LOGGERS"] = "0"
    start = time.perf_counter()
    ray.init(num_cpus=N_CPUS, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    ray_start_s = time.perf_counter() - start
    print(f"Ray started in {ray_start_s:.1f} s ({N_CPUS} CPUs); {N_STEPS} steps per trial, "
          f"{CONCURRENT} trials at a time")
    sizes: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="og-overhead-") as tmp:
            folder = Path(tmp)
            tracking_uri = f"sqlite:///{folder / 'mlflow.db'}"
            # One process start's worth of imports and first-use costs, for (b) and (d) alike.
            start = time.perf_counter()
            bare_tune(2, reuse_actors=True, folder=folder / "warm")
            with _env(TUNE_DISABLE_AUTO_CALLBACK_LOGGERS=None,
                      TUNE_DISABLE_STRICT_METRIC_CHECKING=None):
                product_run(2, folder / "warm")
                product_code_run(2, folder / "warm")
                product_run(2, folder / "warm", tracking_uri=tracking_uri)
            warm_up_s = time.perf_counter() - start
            print(f"warm-up (2 trials of (b) and (d), untimed): {warm_up_s:.1f} s")
            for n in [args.trials] + ([args.large] if args.large else []):
                print(f"\n{n} trials")
                row: dict[str, Any] = {"n_trials": n}
                row["a_plain_optuna_s"] = _timed("(a) plain Optuna", lambda n=n: plain_optuna(n))
                row["b_tune_reuse_s"] = _timed(
                    "(b) Tune + OptunaSearch, reuse_actors",
                    lambda n=n: bare_tune(n, reuse_actors=True, folder=folder))
                if n == args.trials:
                    row["c_trials"] = c_trials
                    c_s = _timed(f"(c) Tune defaults ({c_trials} trials)",
                                 lambda: bare_tune(c_trials, reuse_actors=False, folder=folder))
                    row["c_tune_defaults_s"] = c_s
                    row["c_tune_defaults_per_trial_s"] = c_s / c_trials
                with _env(TUNE_DISABLE_AUTO_CALLBACK_LOGGERS=None,
                          TUNE_DISABLE_STRICT_METRIC_CHECKING=None):
                    d_s, recorded = product_run(n, folder)
                    print(f"  (d) product, persisted to SQLite ... {d_s:.2f} s  {recorded}")
                    e_s, code_recorded = product_code_run(n, folder)
                    print(f"  (e) product, a code run ... {e_s:.2f} s  {code_recorded}")
                    f_s, tracked, d_again_s = _tracking_pair(n, folder, tracking_uri)
                print(f"  (f) product, MLflow tracking on ... {f_s:.2f} s  {tracked}")
                row["d_product_s"] = d_s
                row["d_recorded"] = recorded
                row["d_over_b"] = d_s / row["b_tune_reuse_s"]
                row["e_code_run_s"] = e_s
                row["e_over_b"] = e_s / row["b_tune_reuse_s"]
                row["f_mlflow_s"] = f_s
                row["f_recorded"] = tracked
                row["d_again_s"] = d_again_s
                row["f_over_d_per_trial"] = (f_s / n) / (min(d_s, d_again_s) / n)
                if "c_tune_defaults_s" in row:
                    # per trial, so a smaller (c) still compares like for like
                    row["c_over_d_per_trial"] = row["c_tune_defaults_per_trial_s"] / (d_s / n)
                sizes[str(n)] = row
    finally:
        ray.shutdown()

    small = sizes[str(args.trials)]
    print("\nsummary")
    print(f"{'trials':>7} {'(a) s':>8} {'(b) s':>8} {'(c) s':>8} {'(d) s':>8} {'d/b':>6} "
          f"{'(e) s':>8} {'e/b':>6} {'(f) s':>8} {'f/d':>6}")
    for row in sizes.values():
        c = f"{row['c_tune_defaults_s']:8.2f}" if "c_tune_defaults_s" in row else f"{'-':>8}"
        print(f"{row['n_trials']:>7} {row['a_plain_optuna_s']:8.2f} {row['b_tune_reuse_s']:8.2f} "
              f"{c} {row['d_product_s']:8.2f} {row['d_over_b']:6.2f} "
              f"{row['e_code_run_s']:8.2f} {row['e_over_b']:6.2f} "
              f"{row['f_mlflow_s']:8.2f} {row['f_over_d_per_trial']:6.2f}")
    checks = {
        "d_over_b<=1.5": small["d_over_b"] <= 1.5,
        "e_over_b<=1.5": small["e_over_b"] <= 1.5,
        "c_over_d>=10": small["c_over_d_per_trial"] >= 10,
        "f_over_d<=1.1": small["f_over_d_per_trial"] <= 1.1,
    }
    note = "" if c_trials == args.trials else f" ((c) ran {c_trials} trials; compared per trial)"
    print(f"(e)/(b) = {small['e_over_b']:.2f} (target <= 1.5, a code run)")
    print(f"(f)/(d) per trial = {small['f_over_d_per_trial']:.2f} (target <= 1.1, MLflow "
          "tracking on vs off)")
    print(f"(d)/(b) = {small['d_over_b']:.2f} (target <= 1.5); (c)/(d) per trial = "
          f"{small['c_over_d_per_trial']:.1f}x (target >= 10){note}")
    results = {
        "machine": {"python": platform.python_version(), "cpus_os": os.cpu_count(),
                    "ray_cpus": N_CPUS, "platform": platform.platform()},
        "ray_start_s": ray_start_s,
        "warm_up_s": warm_up_s,
        "n_steps": N_STEPS,
        "concurrent": CONCURRENT,
        "sizes": sizes,
        "checks": checks,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
