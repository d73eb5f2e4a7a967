"""Runs logged to the trackers a team already reads: MLflow (a parent run, a nested child run
per trial) and Weights & Biases (the run as a group, a W&B run per trial).

Written from the product's event stream by `sync_run`, never from a trial: the driver calls
it every couple of seconds and once more at the end, the follower after each poll of an
attached study. `tracking_warning` is the line a run page shows while a tracker fails.
"""

from optunagui.tracking.models import ModelLogError, log_model_package
from optunagui.tracking.sync import SyncResult, sync_run, tracks_anything
from optunagui.tracking.targets import (
    MlflowTarget,
    TrackingConfigError,
    WandbTarget,
    check_tracking_uri,
    mlflow_target,
    public_url,
    run_url,
    wandb_target,
)
from optunagui.tracking.warning import tracking_warning

__all__ = [
    "MlflowTarget",
    "ModelLogError",
    "SyncResult",
    "TrackingConfigError",
    "WandbTarget",
    "check_tracking_uri",
    "log_model_package",
    "mlflow_target",
    "public_url",
    "run_url",
    "sync_run",
    "tracking_warning",
    "tracks_anything",
    "wandb_target",
]
