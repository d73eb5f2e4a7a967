"""Check a run's per-trial resources against what a Ray cluster offers.

Pure functions over the dictionaries that ``ray.cluster_resources()`` and
``ray.available_resources()`` return, so the wizard and the driver share one rule and the
tests need no cluster. Ray keeps resource quantities in fixed point with four decimals, so
``0.5`` GPU per trial on 2 GPUs fits exactly 4 trials at once; the arithmetic here does the
same instead of trusting float division.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClusterSummary", "ResourcePlan", "cluster_summary", "plan_resources"]

_RAY_DECIMALS = 10_000  # Ray's resource granularity: 0.0001 of a unit
_ACCELERATOR_PREFIX = "accelerator_type:"
_NODE_PREFIX = "node:"
_HEAD_MARKER = "node:__internal_head__"


@dataclass(frozen=True)
class ResourcePlan:
    """What a run may launch on a cluster.

    Attributes:
        cpu: CPUs per trial, as requested.
        gpu: GPUs per trial (a fraction below 1 shares a GPU), as requested.
        requested_concurrent: the budget's ``max_concurrent``.
        fit: how many trials fit on the cluster at once (0 when none fits).
        max_concurrent: ``min(requested_concurrent, fit)``; what to give Tune.
        problems: messages a person can act on; empty when the run can launch.
    """

    cpu: int
    gpu: float
    requested_concurrent: int
    fit: int
    max_concurrent: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def capped(self) -> bool:
        """True when the cluster, not the budget, limits concurrency."""
        return self.ok and self.max_concurrent < self.requested_concurrent


@dataclass(frozen=True)
class ClusterSummary:
    """Capacity and free resources of a cluster, for the wizard's resources step."""

    total_cpu: float
    free_cpu: float
    total_gpu: float
    free_gpu: float
    gpu_types: list[str]
    n_nodes: int

    def describe(self) -> str:
        text = f"{_fmt(self.free_cpu)} of {_fmt(self.total_cpu)} CPUs free"
        if self.total_gpu:
            kinds = f" ({', '.join(self.gpu_types)})" if self.gpu_types else ""
            text += f", {_fmt(self.free_gpu)} of {_fmt(self.total_gpu)} GPUs free{kinds}"
        else:
            text += ", no GPU"
        noun = "node" if self.n_nodes == 1 else "nodes"
        return f"{text} on {self.n_nodes} {noun}"


def plan_resources(
    spec_resources: Any,
    max_concurrent: int | None,
    cluster_resources: Mapping[str, float],
) -> ResourcePlan:
    """Check per-trial resources against a cluster and cap the concurrency to what fits.

    Args:
        spec_resources: the spec's ``resources`` (``ResourcesSpec``) or a mapping with
            ``cpu`` and ``gpu``.
        max_concurrent: the budget's ``max_concurrent``; ``None`` or 0 means "as many as fit".
        cluster_resources: ``ray.cluster_resources()`` (totals over all nodes).

    Returns:
        A ResourcePlan. With problems, ``max_concurrent`` is 0 and nothing should launch:
        Tune would otherwise leave the trials pending forever.
    """
    cpu, gpu = _read_request(spec_resources)
    total_cpu = float(cluster_resources.get("CPU", 0.0))
    total_gpu = float(cluster_resources.get("GPU", 0.0))
    problems: list[str] = []

    if cpu < 1:
        problems.append("resources.cpu: a trial needs at least 1 CPU")
    if gpu > 1 and gpu != int(gpu):
        problems.append(
            f"resources.gpu: {_fmt(gpu)} GPUs per trial cannot be placed; Ray shares a GPU "
            "in fractions below 1 (e.g. 0.5) or gives whole GPUs (1, 2, ...)"
        )
    if gpu > 0 and total_gpu <= 0:
        problems.append(
            f"resources.gpu: {_count(gpu, 'GPU')} per trial requested but the cluster has no GPU; "
            "set resources.gpu to 0 or add GPU nodes"
        )
    elif gpu > total_gpu:
        problems.append(
            f"resources.gpu: {_count(gpu, 'GPU')} per trial requested but the cluster has only "
            f"{_count(total_gpu, 'GPU')} in total; lower "
            "resources.gpu or add GPU nodes"
        )
    if cpu > total_cpu:
        problems.append(
            f"resources.cpu: {_count(cpu, 'CPU')} per trial requested but the cluster has only "
            f"{_count(total_cpu, 'CPU')} in total; lower "
            "resources.cpu or add nodes"
        )

    fit = 0 if problems else _how_many_fit(cpu, gpu, total_cpu, total_gpu)
    requested = int(max_concurrent) if max_concurrent else fit
    return ResourcePlan(
        cpu=cpu,
        gpu=gpu,
        requested_concurrent=requested,
        fit=fit,
        max_concurrent=min(requested, fit),
        problems=problems,
    )


def cluster_summary(
    cluster_resources: Mapping[str, float],
    available_resources: Mapping[str, float],
) -> ClusterSummary:
    """Summarise ``ray.cluster_resources()`` and ``ray.available_resources()``."""
    gpu_types = sorted(
        key[len(_ACCELERATOR_PREFIX) :]
        for key in cluster_resources
        if key.startswith(_ACCELERATOR_PREFIX)
    )
    n_nodes = sum(
        1 for key in cluster_resources if key.startswith(_NODE_PREFIX) and key != _HEAD_MARKER
    )
    return ClusterSummary(
        total_cpu=float(cluster_resources.get("CPU", 0.0)),
        free_cpu=float(available_resources.get("CPU", 0.0)),
        total_gpu=float(cluster_resources.get("GPU", 0.0)),
        free_gpu=float(available_resources.get("GPU", 0.0)),
        gpu_types=gpu_types,
        n_nodes=n_nodes,
    )


def _read_request(spec_resources: Any) -> tuple[int, float]:
    if isinstance(spec_resources, Mapping):
        cpu, gpu = spec_resources.get("cpu", 1), spec_resources.get("gpu", 0)
    else:
        cpu, gpu = spec_resources.cpu, spec_resources.gpu
    return int(cpu), float(gpu)


def _units(amount: float) -> int:
    return round(amount * _RAY_DECIMALS)


def _how_many_fit(cpu: int, gpu: float, total_cpu: float, total_gpu: float) -> int:
    fit = _units(total_cpu) // _units(cpu)
    if gpu > 0:
        fit = min(fit, _units(total_gpu) // _units(gpu))
    return fit


def _fmt(amount: float) -> str:
    return f"{amount:g}"


def _count(amount: float, noun: str) -> str:
    """``0.5 GPU``, ``1 GPU``, ``2 GPUs``."""
    return f"{_fmt(amount)} {noun}{'s' if amount > 1 else ''}"
