"""The keys of a Tune result and of a trial's config that the driver's parts agree on.

The trainable writes them, the searcher, the schedulers and the event sink read them.
"""

from __future__ import annotations

__all__ = [
    "CUDA_DEVICES_KEY",
    "DEVICE_KEY",
    "FINAL_KEY",
    "NODE_KEY",
    "FIT_TIME_KEY",
    "FOLD_SCORES_KEY",
    "GPU_IDS_KEY",
    "NUMBER_KEY",
    "PARAMS_KEY",
    "PRUNE_ATTR",
    "STEP_KEY",
    "TRIAL_ID_KEY",
    "USER_ATTRS_KEY",
    "trial_params",
]

STEP_KEY = "step"  # the trial's own step counter in every reported result
FINAL_KEY = "final"  # set on the one result reported after evaluate() returned
NUMBER_KEY = "_optuna_trial_number"  # added to the trial's config by RunSearch.suggest
DEVICE_KEY = "device"  # "cpu" or "cuda", on the trial's first result
GPU_IDS_KEY = "gpu_ids"  # the GPU ids Ray assigned, comma-separated
CUDA_DEVICES_KEY = "cuda_visible_devices"
NODE_KEY = "ray_node_id"  # the Ray node the trial runs on, beside the device
FIT_TIME_KEY = "fit_time_s"
FOLD_SCORES_KEY = "fold_scores_json"  # per-metric fold scores, JSON: results stay flat
TRIAL_ID_KEY = "_optuna_trial_id"  # the Optuna trial id, added beside the number
PARAMS_KEY = "params_json"  # a code trial's parameters so far, JSON (it suggests them itself)
USER_ATTRS_KEY = "user_attrs_json"  # a code trial's user attrs, JSON, on its final result
# Optuna system attr the scheduler sets on a code trial it would stop: should_prune() is True.
PRUNE_ATTR = "optunagui:prune"

_PRIVATE_CONFIG = frozenset({NUMBER_KEY, TRIAL_ID_KEY})


def trial_params(config: dict) -> dict:
    """A trial's parameters from its Tune config (the driver's own keys left out)."""
    return {k: v for k, v in config.items() if k not in _PRIVATE_CONFIG}
