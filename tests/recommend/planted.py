"""Earlier runs with planted structure: trials sampled uniformly, scored by a known function."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from optunagui.recommend import PastRun
from optunagui.spec.model import ParamSpec
from optunagui.store.trials import TrialRow

SPACE = {
    "learning_rate": ParamSpec(type="float", low=0.01, high=0.3, log=True),
    "num_leaves": ParamSpec(type="int", low=8, high=256, log=True),
    "subsample": ParamSpec(type="float", low=0.5, high=1.0),
    "colsample_bytree": ParamSpec(type="float", low=0.5, high=1.0),
}


def trial_row(number: int, params: dict[str, Any], value: float | None,
              state: str = "complete") -> TrialRow:
    return TrialRow(number=number, tune_trial_id=None, state=state,
                    values=None if value is None else [value], params=params, user_attrs=None,
                    started_at=None, finished_at=None, duration_s=None, last_step=None,
                    worker=None, gpu_ids=None, error=None)


def sample(space: Mapping[str, ParamSpec], rng: np.random.Generator) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, param in space.items():
        if param.type == "categorical":
            params[name] = param.choices[int(rng.integers(len(param.choices)))]  # type: ignore[index]
            continue
        if param.type == "fixed":
            params[name] = param.value
            continue
        low, high = float(param.low), float(param.high)  # type: ignore[arg-type]
        u = rng.uniform(math.log(low), math.log(high)) if param.log else rng.uniform(low, high)
        value = math.exp(u) if param.log else u
        if param.step:
            value = low + round((value - low) / param.step) * param.step
        params[name] = int(round(value)) if param.type == "int" else value
    return params


def planted_run(score: Callable[[dict[str, Any]], float], *, run_id: int = 1,
                space: Mapping[str, ParamSpec] = SPACE, n: int = 100, seed: int = 0,
                direction: str = "maximize") -> PastRun:
    rng = np.random.default_rng(seed)
    trials = []
    for number in range(n):
        params = sample(space, rng)
        trials.append(trial_row(number, params, score(params)))
    return PastRun(run_id=run_id, experiment_id=1, name=f"run {run_id}", space=dict(space),
                   direction=direction, trials=trials)
