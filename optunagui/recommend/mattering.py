"""Which parameters never mattered: Optuna's fANOVA importance on each earlier run.

A parameter counts as never mattering when its fANOVA share of the importance (of the run's
first metric) is below ``NEGLIGIBLE`` in every source run that searched it and has at least
``MIN_IMPORTANCE_TRIALS`` complete trials; a run with fewer says nothing either way. fANOVA
runs on the ``MAX_RUNS`` source runs with the most complete trials, on at most ``MAX_TRIALS``
trials each (the best tenth plus a random sample): about 0.8 s per run on one core, whatever
the runs' size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from optunagui.analysis.frame import build_frame
from optunagui.analysis.importance import compute_importance
from optunagui.recommend.past_runs import PastRun

__all__ = ["MAX_RUNS", "MAX_TRIALS", "MIN_IMPORTANCE_TRIALS", "NEGLIGIBLE", "Importance",
           "fanova_shares", "never_mattered"]

NEGLIGIBLE = 0.02
MIN_IMPORTANCE_TRIALS = 20
MAX_TRIALS = 250
MAX_RUNS = 3

#: A run -> its parameters' importance shares (None: too few trials to tell).
Importance = Callable[[PastRun], Mapping[str, float] | None]


def fanova_shares(run: PastRun) -> dict[str, float] | None:
    """fANOVA importance shares of the run's searched parameters for its first metric."""
    finished = run.finished()
    if len(finished) < MIN_IMPORTANCE_TRIALS:
        return None
    space = {name: param for name, param in run.space.items() if param.type != "fixed"}
    metrics = [{"name": run.metric, "direction": run.direction}]
    frame = build_frame(finished, space, metrics)
    if len(frame.params) < 2:
        return None  # one parameter holds all of the importance by definition
    return compute_importance(frame, method="fanova", max_trials=MAX_TRIALS).importances


def never_mattered(runs: Sequence[PastRun], importance: Importance = fanova_shares
                   ) -> dict[str, tuple[float, list[int]]]:
    """Parameter -> (its largest share, the runs that measured it) for each parameter below
    ``NEGLIGIBLE`` in every run that measured it."""
    largest: dict[str, float] = {}
    measured_in: dict[str, list[int]] = {}
    largest_runs = sorted(runs, key=lambda run: len(run.finished()), reverse=True)[:MAX_RUNS]
    for run in largest_runs:
        shares = importance(run)
        if shares is None:
            continue
        for name, share in shares.items():
            largest[name] = max(largest.get(name, 0.0), float(share))
            measured_in.setdefault(name, []).append(run.run_id)
    return {name: (share, measured_in[name]) for name, share in largest.items()
            if share < NEGLIGIBLE}
