"""The Tune function trainable: one trial = `optunagui.objective.evaluate` on Ray.

The prepared data goes into Ray's object store once per run (`tune.with_parameters`); every
trial reads it from there. Each step the objective reports becomes one `tune.report` with the
step counter the schedulers prune on; after `evaluate` returns, one more report carries the
final values and ``final: True`` (how the searcher tells a finished trial from a stopped one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ray
from ray import tune

from cluster.driver.keys import (
    CUDA_DEVICES_KEY,
    DEVICE_KEY,
    FINAL_KEY,
    FIT_TIME_KEY,
    FOLD_SCORES_KEY,
    GPU_IDS_KEY,
    NODE_KEY,
    STEP_KEY,
    trial_params,
)
from optunagui.models import get_model
from optunagui.objective import evaluate as evaluate_objective

if TYPE_CHECKING:
    from optunagui.objective import PreparedData, TrialResult
    from optunagui.spec import ExperimentSpec

__all__ = [
    "TuneReporter",
    "build_trainable",
    "choose_device",
    "run_trial",
]

Evaluate = Callable[..., "TrialResult"]


def choose_device(model_name: str, gpu_ids: list[str], cuda_available: Callable[[], bool]) -> str:
    """``"cuda"`` only for a GPU-capable model that Ray gave a GPU on a machine with CUDA."""
    if not gpu_ids:
        return "cpu"
    if not get_model(model_name).gpu_capable:
        return "cpu"
    return "cuda" if cuda_available() else "cpu"


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return bool(torch.cuda.is_available())


class TuneReporter:
    """The objective's Reporter under Ray Tune: every step becomes a `tune.report`.

    The first report also carries the trial's device and assigned GPU ids, so the event sink
    records where the trial ran.
    """

    def __init__(self, placement: Mapping[str, Any]) -> None:
        self._placement: dict[str, Any] | None = dict(placement)
        self.last_step = 0

    def report(self, step: int, metrics: Mapping[str, float]) -> None:
        self.last_step = int(step)
        result = {**{k: float(v) for k, v in metrics.items()}, STEP_KEY: int(step)}
        if self._placement is not None:
            result.update(self._placement)
            self._placement = None
        tune.report(result)


def run_trial(
    config: Mapping[str, Any],
    spec: ExperimentSpec,
    data: PreparedData,
    evaluate: Evaluate | None = None,
) -> None:
    """Evaluate one set of parameters inside a Tune trial."""
    if evaluate is None:
        evaluate = evaluate_objective
    params = trial_params(dict(config))
    gpu_ids = [str(g) for g in ray.get_gpu_ids()]
    device = choose_device(spec.model_name, gpu_ids, _cuda_available)
    placement = {
        DEVICE_KEY: device,
        GPU_IDS_KEY: ",".join(gpu_ids),
        CUDA_DEVICES_KEY: os.environ.get("CUDA_VISIBLE_DEVICES", ""),
        NODE_KEY: ray.get_runtime_context().get_node_id(),
    }
    reporter = TuneReporter(placement)
    result = evaluate(spec, params, data, reporter=reporter, device=device)
    final: dict[str, Any] = {
        name: float(value) for name, value in result.metrics.items()
    }
    for metric, value in zip(spec.metrics, result.values, strict=True):
        final[metric.name] = float(value)
    final.update(
        {
            STEP_KEY: max(int(result.n_steps), reporter.last_step),
            FINAL_KEY: True,
            FIT_TIME_KEY: float(result.fit_time_s),
            FOLD_SCORES_KEY: json.dumps(
                {name: [float(v) for v in scores] for name, scores in result.fold_scores.items()}
            ),
        }
    )
    if reporter.last_step == 0:  # the objective reported nothing: placement goes here
        final.update(placement)
    tune.report(final)


def build_trainable(
    spec: ExperimentSpec,
    data: PreparedData,
    evaluate: Evaluate | None = None,
) -> Any:
    """The run's trainable: data and spec in the object store, resources from the spec.

    Args:
        spec: the run's spec (resources.cpu and resources.gpu per trial).
        data: the prepared data, put in Ray's object store once.
        evaluate: the objective (``optunagui.objective.evaluate`` unless given).
    """
    trainable = tune.with_parameters(run_trial, spec=spec, data=data, evaluate=evaluate)
    resources: dict[str, float] = {"cpu": float(spec.resources.cpu)}
    if spec.resources.gpu:
        resources["gpu"] = float(spec.resources.gpu)
    return tune.with_resources(trainable, resources)
