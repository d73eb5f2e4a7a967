"""The wizard's logic, without Dash: the form and the specs it makes, step checks, estimates,
uploads and launching. The page (``dashapp.pages.new_run``) only wires it to components."""

from __future__ import annotations

from dashapp.pages.new_run.wizard.estimate import (
    Capacity,
    Estimate,
    estimate_launch,
    local_capacity,
)
from dashapp.pages.new_run.wizard.feature_rows import feature_rows, merge_feature_rows
from dashapp.pages.new_run.wizard.form import (
    DatasetRef,
    default_form,
    form_to_raw_specs,
    merge_space_rows,
    spec_to_form,
)
from dashapp.pages.new_run.wizard.launch import LaunchResult, create_runs, launch_runs
from dashapp.pages.new_run.wizard.steps import (
    STEPS,
    Check,
    FieldMessage,
    check_form,
    field_step,
    locate,
)
from dashapp.pages.new_run.wizard.upload import UploadError, max_upload_bytes, receive_upload

__all__ = [
    "STEPS",
    "Capacity",
    "Check",
    "DatasetRef",
    "Estimate",
    "FieldMessage",
    "LaunchResult",
    "UploadError",
    "check_form",
    "create_runs",
    "default_form",
    "estimate_launch",
    "feature_rows",
    "field_step",
    "form_to_raw_specs",
    "launch_runs",
    "local_capacity",
    "locate",
    "max_upload_bytes",
    "merge_feature_rows",
    "merge_space_rows",
    "receive_upload",
    "spec_to_form",
]
