"""Do suggestions from history help a second run? Cold against suggested ranges, and against
suggested ranges plus a warm start, on built-in datasets x fast models.

For each (dataset, model) pair and each seed:

1. a cold first run (N trials, TPE) is the history;
2. its trials become an earlier run (``optunagui.recommend.PastRun``), and the product's own
   pure functions give the suggestions: ``suggest_from_history`` (ranges, fANOVA included) and
   ``warm_start_from_history`` (the best K distinct configurations that fit);
3. three second runs of N trials each, with the same sampler seed (another than the
   history's): ``cold`` (the preset's ranges), ``ranges`` (the suggested ranges taken with
   ``apply_suggestions``) and ``ranges+warm`` (those ranges, the K configurations enqueued
   first and counted in the N).

Per pair: the median over seeds of the trials each variant needs to reach the cold second
run's final best (a variant that never reaches it counts N + 1 and is listed as not reached),
and the median final best of each. Over all pairs x seeds: the product's paired comparison
(``optunagui.analysis.compare.compare_folds``: paired t-test and Wilcoxon, scipy) of each
variant against cold, on the final best (higher is better; each pair's scores are centred on
its cold median so pairs on different scales pair up) and on the trials to reach.

The studies run in-process, in memory, through the same objective the driver's trainable
calls (``optunagui.objective.evaluate`` on ``prepare_data``, parameters asked with
``optunagui.spec.space.suggest``, the spec validated by ``validate_spec``) rather than on Ray,
so the whole benchmark takes minutes on 2 cores; Ray would add the same overhead to every
variant. The scores are cross-validated accuracy (3 folds), as the run page shows.

One synthetic pair has planted structure: 40 features of which 4 are informative, with 10%
of the labels flipped, where a strongly regularised logistic regression (small C) wins.

Where it does not help, and what the numbers do not say (a run of 30 trials x 4 seeds, 2026-12):

- the final best barely moves: on iris and wine every variant ends on the same accuracy, and
  over all pairs the gain of ranges+warm is +0.0006 accuracy (significant only because the
  24 pairs x seeds agree in sign); suggested ranges alone are within noise;
- "trials to reach" favours the warm start by construction: its first trial re-evaluates the
  history's best configuration on the same data and folds, which reproduces the history's
  best score; it finds nothing new, it only stops paying again for what the history learnt;
- narrowed ranges can cost: on digits x ridge one seed of the suggested ranges (with or
  without the warm start) ended below the cold run's best;
- the scores are cross-validated on the training part, as the runs rank their trials; none of
  this is measured on held-out data.

    .venv/bin/python -m bench.warmstart [--trials 30] [--seeds 3] [--warm 5]

Prints a table and writes bench/results/warmstart.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from optunagui.analysis.compare import PairedComparison, compare_folds
from optunagui.objective import evaluate, load_run_dataset, prepare_data
from optunagui.recommend import (
    PastRun,
    apply_suggestions,
    suggest_from_history,
    warm_start_from_history,
)
from optunagui.spec.space import suggest
from optunagui.spec.validation import validate_spec
from optunagui.store.trials import TrialRow

RESULTS = Path(__file__).resolve().parent / "results" / "warmstart.json"
VARIANTS = ("cold", "ranges", "ranges+warm")
PLANTED = {"builtin": "synthetic_classification",
           "options": {"n_samples": 600, "n_features": 40, "n_informative": 4,
                       "noise": 0.1, "seed": 7}}
PAIRS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("iris", {"builtin": "iris"}, "logistic_regression"),
    ("wine", {"builtin": "wine"}, "logistic_regression"),
    ("breast_cancer", {"builtin": "breast_cancer"}, "logistic_regression"),
    ("breast_cancer", {"builtin": "breast_cancer"}, "ridge"),
    ("digits", {"builtin": "digits"}, "ridge"),
    ("planted", PLANTED, "logistic_regression"),
)


def _spec(dataset: Mapping[str, Any], model: str, n_trials: int) -> Any:
    return validate_spec({"name": "bench", "dataset": dict(dataset), "model": model,
                          "metrics": [{"name": "accuracy"}],
                          "split": {"method": "stratified_kfold", "folds": 3, "seed": 0},
                          "budget": {"n_trials": n_trials}})


def _study(spec: Any, data: Any, seed: int, n_trials: int,
           warm: Sequence[Mapping[str, Any]] = ()) -> optuna.Study:
    """One run of ``n_trials`` through the product's objective (in-process, in memory)."""
    study = optuna.create_study(direction=spec.directions[0],
                                sampler=optuna.samplers.TPESampler(seed=seed))
    for config in warm:
        study.enqueue_trial(dict(config), user_attrs={"warm_start": True})
    space = dict(spec.space)

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, space)
        return float(evaluate(spec, params, data).values[0])

    study.optimize(objective, n_trials=n_trials)
    return study


def _past_run(spec: Any, study: optuna.Study) -> PastRun:
    fixed = {n: p.value for n, p in spec.space.items() if p.type == "fixed" and not p.when}
    rows = [TrialRow(number=t.number, tune_trial_id=None, state="complete", values=[t.value],
                     params={**fixed, **t.params}, user_attrs=None, started_at=None,
                     finished_at=None, duration_s=None, last_step=None, worker=None,
                     gpu_ids=None, error=None)
            for t in study.get_trials(states=[optuna.trial.TrialState.COMPLETE])]
    return PastRun(run_id=1, experiment_id=1, name="history", space=dict(spec.space),
                   direction=spec.directions[0], trials=rows, metric=spec.metrics[0].name)


def _curve(study: optuna.Study) -> list[float]:
    best, curve = float("-inf"), []
    for trial in sorted(study.trials, key=lambda t: t.number):
        if trial.value is not None:
            best = max(best, trial.value)
        curve.append(best)
    return curve


def _trials_to_reach(curve: Sequence[float], target: float) -> int | None:
    return next((i + 1 for i, best in enumerate(curve) if best >= target - 1e-12), None)


@dataclass
class Outcome:
    pair: str
    seed: int
    best: dict[str, float]
    reach: dict[str, int | None]
    changed: list[str]
    n_warm: int
    warm_skipped: int


def _one(name: str, dataset: Mapping[str, Any], model: str, seed: int, n_trials: int,
         k: int) -> Outcome:
    spec = _spec(dataset, model, n_trials)
    data = prepare_data(spec, load_run_dataset(spec))
    history = _study(spec, data, 1000 + seed, n_trials)
    past = _past_run(spec, history)
    found = suggest_from_history(model, spec.space, [past])
    ranged = validate_spec(apply_suggestions(spec, found).to_dict())
    warm = warm_start_from_history(ranged.space, [past], k=k, metric="accuracy",
                                   direction=spec.directions[0])
    ranged_data = prepare_data(ranged, load_run_dataset(ranged))
    studies = {"cold": _study(spec, data, 2000 + seed, n_trials),
               "ranges": _study(ranged, ranged_data, 2000 + seed, n_trials),
               "ranges+warm": _study(ranged, ranged_data, 2000 + seed, n_trials,
                                     warm.params())}
    curves = {variant: _curve(study) for variant, study in studies.items()}
    target = curves["cold"][-1]
    return Outcome(pair=f"{name} x {model}", seed=seed,
                   best={v: c[-1] for v, c in curves.items()},
                   reach={v: _trials_to_reach(c, target) for v, c in curves.items()},
                   changed=[p.name for p in found.changed()], n_warm=len(warm.configs),
                   warm_skipped=warm.skipped)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def _per_pair(outcomes: Sequence[Outcome], n_trials: int) -> list[dict[str, Any]]:
    rows = []
    for pair in dict.fromkeys(o.pair for o in outcomes):
        mine = [o for o in outcomes if o.pair == pair]
        row: dict[str, Any] = {"pair": pair, "seeds": len(mine)}
        for variant in VARIANTS:
            reached = [o.reach[variant] for o in mine]
            row[f"reach_{variant}"] = _median([r if r is not None else n_trials + 1
                                               for r in reached])
            row[f"not_reached_{variant}"] = sum(r is None for r in reached)
            row[f"best_{variant}"] = _median([o.best[variant] for o in mine])
        row["changed"] = sorted({n for o in mine for n in o.changed})
        row["n_warm"] = _median([o.n_warm for o in mine])
        rows.append(row)
    return rows


def _comparisons(outcomes: Sequence[Outcome], n_trials: int) -> list[PairedComparison]:
    cold_median = {pair: _median([o.best["cold"] for o in outcomes if o.pair == pair])
                   for pair in {o.pair for o in outcomes}}
    out = []
    for variant in VARIANTS[1:]:
        a = [o.best["cold"] - cold_median[o.pair] for o in outcomes]
        b = [o.best[variant] - cold_median[o.pair] for o in outcomes]
        out.append(compare_folds(a, b, label_a="cold", label_b=variant,
                                 metric="final best accuracy (centred per pair)"))
        reach_a = [float(o.reach["cold"] or n_trials + 1) for o in outcomes]
        reach_b = [float(o.reach[variant] or n_trials + 1) for o in outcomes]
        out.append(compare_folds(reach_a, reach_b, label_a="cold", label_b=variant,
                                 metric="trials to reach cold's final best",
                                 direction="minimize"))
    return out


def _print(rows: Sequence[dict[str, Any]], tests: Sequence[PairedComparison],
           n_trials: int, seconds: float) -> None:
    print(f"\nTrials to reach the cold second run's final best (median over seeds; "
          f"{n_trials + 1} = not reached) and median final best accuracy:")
    head = f"{'pair':<34}" + "".join(f"{'reach ' + v:>18}" for v in VARIANTS) + "".join(
        f"{'best ' + v:>18}" for v in VARIANTS)
    print(head)
    for row in rows:
        reach = "".join(f"{row[f'reach_{v}']:>14.1f} ({row[f'not_reached_{v}']})"
                        for v in VARIANTS)
        best = "".join(f"{row[f'best_{v}']:>18.4f}" for v in VARIANTS)
        print(f"{row['pair']:<34}{reach}{best}")
    print("  (in brackets: seeds where the variant never reached it)")
    print("\nPaired over pairs x seeds (optunagui.analysis.compare.compare_folds):")
    for test in tests:
        print(f"  {test.label_b} vs cold, {test.metric}: n={test.n}, mean diff "
              f"{test.diff:+.4g} [{test.ci_low:+.3g}, {test.ci_high:+.3g}], "
              f"p(t)={test.p_value:.3g}, p(Wilcoxon)={test.p_wilcoxon:.3g}")
        print(f"    {test.verdict}")
    print(f"\n{seconds:.0f} s in all")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.warmstart")
    parser.add_argument("--trials", type=int, default=30, help="trials per run (N)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--warm", type=int, default=5, help="warm-start configurations (K)")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("optunagui").setLevel(logging.WARNING)
    started = time.perf_counter()
    outcomes = []
    for name, dataset, model in PAIRS:
        for seed in range(args.seeds):
            outcomes.append(_one(name, dataset, model, seed, args.trials, args.warm))
            last = outcomes[-1]
            print(f"{last.pair} seed {seed}: best " + ", ".join(
                f"{v} {last.best[v]:.4f}" for v in VARIANTS) + f"; changed {last.changed}; "
                f"warm {last.n_warm} (skipped {last.warm_skipped})", flush=True)
    rows = _per_pair(outcomes, args.trials)
    tests = _comparisons(outcomes, args.trials)
    seconds = time.perf_counter() - started
    _print(rows, tests, args.trials, seconds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "trials": args.trials, "seeds": args.seeds, "warm": args.warm,
        "machine": {"python": platform.python_version(), "optuna": optuna.__version__,
                    "processor": platform.processor() or platform.machine()},
        "seconds": seconds, "per_pair": rows,
        "runs": [o.__dict__ for o in outcomes],
        "comparisons": [t.__dict__ for t in tests]}, indent=2, default=str))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
