"""Component ids of the new-run wizard, defined once.

Plain fields map one form key to one component property (``FIELDS``); the features table, the
search-space table and the per-model choices use pattern-matching ids (a ``type`` below, plus
``column``, ``row`` or ``model``).
"""

from __future__ import annotations

from dashapp.pages.new_run.wizard.space_table import SPACE_ATTRS

__all__ = ["FIELDS", "SPACE_ATTRS", "ids"]


class ids:
    experiment = "new-run-experiment"
    clone = "new-run-clone"
    prefill = "new-run-prefill"  # the link's changes: {"drop", "adjust", "version"} URL tokens
    draft = "new-run-draft"
    draft_saved = "new-run-draft-saved"
    reloaded = "new-run-reloaded"  # True when this page load is a reload of the wizard
    pending = "new-run-pending"  # the saved draft offered to resume, until a choice is made
    launched = "new-run-launched"  # {"href", "experiment"} once the runs are launched
    described = "new-run-described"  # data_key of the data and target last described
    draft_notice = "new-run-draft-notice"
    draft_notice_text = "new-run-draft-notice-text"
    resume = "new-run-resume"
    discard = "new-run-discard"
    start_over = "new-run-start-over"
    restored = "new-run-restored"
    step = "new-run-step"
    options = "new-run-options"
    upload_data = "new-run-upload-data"
    inferred = "new-run-inferred"
    redirect = "new-run-redirect"
    denied = "new-run-denied"
    body = "new-run-body"
    progress = "new-run-progress"
    feedback = "new-run-feedback"
    back = "new-run-back"
    next = "new-run-next"
    launch = "new-run-launch"
    panel = "new-run-panel"  # + "-<step>"
    # step 1
    source = "new-run-source"
    builtin = "new-run-builtin"
    builtin_box = "new-run-builtin-box"
    upload = "new-run-upload"
    upload_box = "new-run-upload-box"
    upload_status = "new-run-upload-status"
    upload_versions = "new-run-upload-versions"
    upload_version = "new-run-upload-version"
    target = "new-run-target"
    task = "new-run-task"
    task_notes = "new-run-task-notes"  # what the task changed, and a task the target disagrees with
    metric_notes = "new-run-metric-notes"  # metrics removed because the task changed
    dataset_status = "new-run-dataset-status"
    preview = "new-run-preview"
    # step 2
    features = "new-run-features"
    feature_use = "new-run-feature-use"  # pattern, with "column"
    feature_transform = "new-run-feature-transform"  # pattern, with "column"
    # step 3
    model_use = "new-run-model-use"  # pattern, with "model"
    preset = "new-run-preset"  # pattern, with "model"
    # step 4
    space = "new-run-space"
    space_reset = "new-run-space-reset"
    space_status = "new-run-space-status"
    space_cell = "new-run-space"  # pattern type prefix: "new-run-space-<attr>", with "row"
    # step 5
    split_method = "new-run-split-method"
    folds = "new-run-folds"
    test_size = "new-run-test-size"
    split_seed = "new-run-split-seed"
    group = "new-run-group"
    shuffle = "new-run-shuffle"
    metrics = "new-run-metrics"
    directions = "new-run-directions"
    # step 6
    n_trials = "new-run-n-trials"
    timeout_s = "new-run-timeout"
    max_concurrent = "new-run-max-concurrent"
    sampler = "new-run-sampler"
    sampler_seed = "new-run-sampler-seed"
    pruner = "new-run-pruner"
    grace_period = "new-run-grace-period"
    reduction_factor = "new-run-reduction-factor"
    min_samples_required = "new-run-min-samples"
    cpu = "new-run-cpu"
    gpu = "new-run-gpu"
    quick = "new-run-quick"
    max_failures = "new-run-max-failures"
    resources = "new-run-resources"
    mlflow_uri = "new-run-mlflow-uri"
    mlflow_experiment = "new-run-mlflow-experiment"
    wandb_project = "new-run-wandb-project"
    wandb_mode = "new-run-wandb-mode"
    # step 4, the suggestions' warm start: {model: [configuration, ...]}, and its controls
    warm_start = "new-run-warm-start"
    warm_start_use = "new-run-warm-start-use"
    warm_start_count = "new-run-warm-start-count"
    # step 7
    name = "new-run-name"
    yaml = "new-run-yaml"
    copy = "new-run-copy"
    estimate = "new-run-estimate"
    error = "new-run-error"  # pattern, with "field"


# form key -> (component id, property)
FIELDS: dict[str, tuple[str, str]] = {
    "source": (ids.source, "value"),
    "builtin": (ids.builtin, "value"),
    "options": (ids.options, "data"),
    "upload": (ids.upload_data, "data"),
    "target": (ids.target, "value"),
    "task": (ids.task, "value"),
    "split_method": (ids.split_method, "value"),
    "folds": (ids.folds, "value"),
    "test_size": (ids.test_size, "value"),
    "split_seed": (ids.split_seed, "value"),
    "group": (ids.group, "value"),
    "shuffle": (ids.shuffle, "value"),
    "metrics": (ids.metrics, "value"),
    "n_trials": (ids.n_trials, "value"),
    "timeout_s": (ids.timeout_s, "value"),
    "max_concurrent": (ids.max_concurrent, "value"),
    "sampler": (ids.sampler, "value"),
    "sampler_seed": (ids.sampler_seed, "value"),
    "pruner": (ids.pruner, "value"),
    "grace_period": (ids.grace_period, "value"),
    "reduction_factor": (ids.reduction_factor, "value"),
    "min_samples_required": (ids.min_samples_required, "value"),
    "cpu": (ids.cpu, "value"),
    "gpu": (ids.gpu, "value"),
    "quick": (ids.quick, "value"),
    "max_failures": (ids.max_failures, "value"),
    "mlflow_uri": (ids.mlflow_uri, "value"),
    "mlflow_experiment": (ids.mlflow_experiment, "value"),
    "wandb_project": (ids.wandb_project, "value"),
    "wandb_mode": (ids.wandb_mode, "value"),
    "name": (ids.name, "value"),
    "warm_start": (ids.warm_start, "data"),
    "warm_start_use": (ids.warm_start_use, "value"),
    "warm_start_count": (ids.warm_start_count, "value"),
}
