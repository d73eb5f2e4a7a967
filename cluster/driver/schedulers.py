"""Tune schedulers that prune trials: ASHA, median stopping, or none.

Both prune on the trial's own step counter (``step`` in every result: a boosting chunk, an
MLP epoch, or a CV fold), never on wall-clock time, whose defaults (60 s grace) never fire
on short trials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ray.tune.schedulers import (
    ASHAScheduler,
    FIFOScheduler,
    MedianStoppingRule,
    TrialScheduler,
)

from cluster.driver.keys import STEP_KEY

if TYPE_CHECKING:
    from optunagui.spec import ExperimentSpec

__all__ = ["MAX_STEPS", "StepMedianStoppingRule", "build_scheduler"]

# ASHA's max_t: far above any model's step count (ASHA stops a trial that reaches it).
MAX_STEPS = 100_000


class StepMedianStoppingRule(MedianStoppingRule):
    """Median stopping that never pauses a trial.

    Ray's rule pauses a trial when it lacks samples and other trials wait; a function
    trainable without checkpoints would then start over from step 1. Here a trial with too
    few peers to compare against simply goes on.
    """

    def _on_insufficient_samples(self, tune_controller, trial, time) -> str:  # noqa: ANN001
        return TrialScheduler.CONTINUE


def build_scheduler(spec: ExperimentSpec) -> TrialScheduler:
    """The scheduler for the spec's pruner, on the primary metric.

    Multi-objective runs have no single value to prune on and always get FIFO.
    """
    pruner = spec.pruner
    if pruner.name == "none" or spec.is_multi_objective:
        return FIFOScheduler()
    metric = spec.primary_metric.name
    mode = "max" if spec.directions[0] == "maximize" else "min"
    if pruner.name == "asha":
        return ASHAScheduler(
            time_attr=STEP_KEY,
            metric=metric,
            mode=mode,
            max_t=MAX_STEPS,
            grace_period=pruner.grace_period,
            reduction_factor=pruner.reduction_factor,
        )
    if pruner.name == "median":
        return StepMedianStoppingRule(
            time_attr=STEP_KEY,
            metric=metric,
            mode=mode,
            grace_period=pruner.grace_period,
            min_samples_required=pruner.min_samples_required,
        )
    raise ValueError(f"pruner.name: unknown pruner {pruner.name!r}; choose asha, median or none")
