"""The keys of a Tune result and of a trial's config that the driver's parts agree on.

The trainable writes them, the searcher, the schedulers and the event sink read them.
"""

from __future__ import annotations

__all__ = [
    "CUDA_DEVICES_KEY",
    "DEVICE_KEY",
    "FINAL_KEY",
    "FIT_TIME_KEY",
    "FOLD_SCORES_KEY",
    "GPU_IDS_KEY",
    "NUMBER_KEY",
    "STEP_KEY",
]

STEP_KEY = "step"  # the trial's own step counter in every reported result
FINAL_KEY = "final"  # set on the one result reported after evaluate() returned
NUMBER_KEY = "_optuna_trial_number"  # added to the trial's config by RunSearch.suggest
DEVICE_KEY = "device"  # "cpu" or "cuda", on the trial's first result
GPU_IDS_KEY = "gpu_ids"  # the GPU ids Ray assigned, comma-separated
CUDA_DEVICES_KEY = "cuda_visible_devices"
FIT_TIME_KEY = "fit_time_s"
FOLD_SCORES_KEY = "fold_scores_json"  # per-metric fold scores, JSON: results stay flat
