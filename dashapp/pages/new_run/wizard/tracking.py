"""The budget step's tracker fields: MLflow (tracking URI, experiment) and W&B (project,
mode), as the spec's ``tracking`` section and back.

Empty fields log nowhere. MLflow is on when a URI or an experiment name is given (the URI
then defaults to the server's ``MLFLOW_TRACKING_URI``); W&B is on when a mode is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from optunagui.tracking.targets import shown_uri

__all__ = ["TRACKING_FORM_KEYS", "WANDB_MODES", "tracking_defaults", "tracking_form",
           "tracking_placeholders", "tracking_section"]

TRACKING_FORM_KEYS = ("mlflow_uri", "mlflow_experiment", "wandb_project", "wandb_mode")
WANDB_MODES = ("online", "offline")


def tracking_defaults() -> dict[str, Any]:
    return dict.fromkeys(TRACKING_FORM_KEYS, "")


def tracking_placeholders(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What an empty field stands for, shown in it (the server's own defaults, credentials
    left out: the layout goes to every signed-in browser)."""
    env = os.environ if environ is None else environ
    uri = shown_uri(env.get("MLFLOW_TRACKING_URI") or "")
    return {
        "mlflow_uri": f"{uri} (MLFLOW_TRACKING_URI)" if uri else "e.g. http://mlflow:5000",
        "mlflow_experiment": env.get("MLFLOW_EXPERIMENT_NAME") or "the experiment's name",
        "wandb_project": env.get("WANDB_PROJECT") or "optunagui",
    }


def _text(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def tracking_section(form: Mapping[str, Any], problems: list[tuple[str, str]],
                     environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The spec's ``tracking`` from the form, None when it asks for no tracker; what is
    wrong goes to `problems` as (form field, message)."""
    env = os.environ if environ is None else environ
    tracking: dict[str, Any] = {}
    uri, experiment = _text(form, "mlflow_uri"), _text(form, "mlflow_experiment")
    if uri or experiment:
        mlflow: dict[str, Any] = {}
        if uri:
            mlflow["tracking_uri"] = uri  # the spec's check says what is wrong with it
        elif not env.get("MLFLOW_TRACKING_URI"):
            problems.append(("mlflow_uri", "enter the MLflow tracking URI (the server has no "
                                           "MLFLOW_TRACKING_URI), e.g. http://mlflow:5000"))
        if experiment:
            mlflow["experiment_name"] = experiment
        tracking["mlflow"] = mlflow
    mode = _text(form, "wandb_mode")
    if mode:
        if mode not in WANDB_MODES:
            problems.append(("wandb_mode", f"choose online or offline, not {mode!r}"))
        wandb: dict[str, Any] = {"mode": mode}
        if _text(form, "wandb_project"):
            wandb["project"] = _text(form, "wandb_project")
        tracking["wandb"] = wandb
    return tracking or None


def tracking_form(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The form's tracker fields that give the spec's ``tracking`` back (for "Clone run")."""
    form = tracking_defaults()
    tracking = spec.get("tracking") or {}
    mlflow = tracking.get("mlflow") or None
    if mlflow is not None:
        form["mlflow_uri"] = mlflow.get("tracking_uri") or ""
        form["mlflow_experiment"] = mlflow.get("experiment_name") or ""
    wandb = tracking.get("wandb") or None
    if wandb is not None and wandb.get("mode") != "disabled":
        form["wandb_mode"] = wandb.get("mode") or "online"
        form["wandb_project"] = wandb.get("project") or ""
    return form
