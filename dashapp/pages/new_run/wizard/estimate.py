"""What a launch will do: how many trials in all, and how many run at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cluster.launch.resources import plan_resources
from dashapp.pages.new_run.wizard.wording import count
from optunagui.objective import QUICK_MAX_ROWS

if TYPE_CHECKING:
    from optunagui.spec import ExperimentSpec

__all__ = ["Capacity", "Estimate", "estimate_launch", "local_capacity"]


@dataclass(frozen=True)
class Capacity:
    """The resources trials can use.

    Attributes:
        cpu: CPUs (free ones when known).
        gpu: GPUs (free ones when known).
        source: where the numbers come from, said in the page.
        known: False when the numbers are not the cluster's own (e.g. a remote cluster that
            the dashboard does not query): the estimate then does not cap concurrency.
    """

    cpu: float
    gpu: float
    source: str
    known: bool = True

    def as_ray_resources(self) -> dict[str, float]:
        return {"CPU": float(self.cpu), "GPU": float(self.gpu)}


def local_capacity(cpu_count: int | None, ray_address: str | None) -> Capacity:
    """This machine's CPUs and no GPU when no cluster address is set (the driver then starts a
    local Ray); otherwise an unknown capacity, checked by the driver when the run starts."""
    if ray_address:
        return Capacity(
            cpu=0, gpu=0, known=False,
            source=f"Ray cluster at {ray_address}: its free resources are checked when the run "
                   "starts (the dashboard does not connect to Ray)",
        )
    cpus = max(int(cpu_count or 1), 1)
    return Capacity(
        cpu=cpus, gpu=0,
        source=f"this machine: {cpus} CPUs, GPUs not counted (no cluster address is set, so "
               "runs use a local Ray on this machine)",
    )


@dataclass(frozen=True)
class Estimate:
    """Attributes:
        n_runs: runs launched (one per model).
        trials_per_run: each run's trial budget.
        total_trials: all trials of the launch.
        concurrent_per_run: trials at once in each run (after the capacity cap, when known).
        concurrent_total: trials at once over all runs, if they run side by side.
        notes: what limits the numbers, for the page.
        problems: resource requests that cannot be placed.
    """

    n_runs: int
    trials_per_run: list[int]
    total_trials: int
    concurrent_per_run: list[int]
    concurrent_total: int
    notes: list[str]
    problems: list[str]

    def describe(self) -> str:
        runs = "1 run" if self.n_runs == 1 else f"{self.n_runs} runs (one per model)"
        return (f"{runs}, {count(self.total_trials, 'trial')} in all; up to "
                f"{count(self.concurrent_total, 'trial')} at once")


def _quick_notes(specs: Sequence[ExperimentSpec]) -> list[str]:
    """What quick mode did to the budgets: the specs are validated, so their numbers are the
    ones the runs use."""
    notes = []
    for spec in specs:
        if not spec.quick:
            continue
        pruner = spec.pruner
        pruning = (f"ASHA pruning (grace period {pruner.grace_period}, reduction factor "
                   f"{pruner.reduction_factor})" if pruner.name == "asha"
                   else "median pruning" if pruner.name == "median" else "no pruning")
        notes.append(f"{spec.model}: quick mode, {count(spec.budget.n_trials, 'trial')} with "
                     f"{pruning} on a stratified subsample of at most {QUICK_MAX_ROWS:,} rows")
    return notes


def estimate_launch(specs: Sequence[ExperimentSpec], capacity: Capacity) -> Estimate:
    """Total trials and concurrency of launching ``specs`` together on ``capacity``."""
    trials = [spec.budget.n_trials for spec in specs]
    concurrent: list[int] = []
    notes: list[str] = []
    problems: list[str] = []
    for spec in specs:
        wanted = min(spec.budget.max_concurrent, spec.budget.n_trials)
        if not capacity.known:
            concurrent.append(wanted)
            continue
        plan = plan_resources(spec.resources, wanted, capacity.as_ray_resources())
        problems.extend(p for p in plan.problems if p not in problems)
        concurrent.append(plan.max_concurrent)
        if plan.capped:
            verb = "fits" if plan.fit == 1 else "fit"
            notes.append(f"{spec.model}: {count(plan.fit, 'trial')} {verb} at once "
                         f"({count(plan.cpu, 'CPU')}, {plan.gpu:g} GPU each), not {wanted}")
    notes.extend(_quick_notes(specs))
    timeouts = {spec.budget.timeout_s for spec in specs if spec.budget.timeout_s}
    if timeouts:
        notes.append(f"each run stops after {max(timeouts):g} s even if trials are left")
    if len(specs) > 1:
        notes.append("the runs share the machine when they run at the same time")
    return Estimate(
        n_runs=len(specs),
        trials_per_run=trials,
        total_trials=sum(trials),
        concurrent_per_run=concurrent,
        concurrent_total=sum(concurrent),
        notes=notes,
        problems=problems,
    )

