"""Where a run is logged: its spec's ``tracking`` section completed from the environment.

A field the spec leaves empty comes from the tracker's own environment variable
(``MLFLOW_TRACKING_URI``, ``MLFLOW_EXPERIMENT_NAME``, ``WANDB_PROJECT``, ``WANDB_ENTITY``,
``WANDB_MODE``, ``WANDB_DIR``); the link back to a run page starts with
``OPTUNAGUI_PUBLIC_URL``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "DEFAULT_WANDB_PROJECT",
    "MLFLOW_URI_SCHEMES",
    "MlflowTarget",
    "TrackingConfigError",
    "WandbTarget",
    "check_tracking_uri",
    "mlflow_target",
    "public_url",
    "run_url",
    "shown_uri",
    "wandb_target",
]

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8050"
DEFAULT_WANDB_PROJECT = "optunagui"
MLFLOW_URI_SCHEMES = ("http", "https", "file", "sqlite", "postgresql", "mysql", "mssql",
                      "databricks")


class TrackingConfigError(ValueError):
    """The run's tracking section cannot be used as it is (the message names the field)."""


@dataclass(frozen=True, slots=True)
class MlflowTarget:
    tracking_uri: str
    experiment_name: str
    register_model: str | None

    def describe(self) -> str:
        return f"MLflow at {shown_uri(self.tracking_uri)}"


@dataclass(frozen=True, slots=True)
class WandbTarget:
    project: str
    entity: str | None
    mode: str
    directory: str | None

    def describe(self) -> str:
        where = f"{self.entity}/{self.project}" if self.entity else self.project
        return f"W&B project {where} ({self.mode})"


def shown_uri(uri: str) -> str:
    """The URI as a page may show it: no user name or password."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def public_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return (env.get("OPTUNAGUI_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def run_url(run_id: int, environ: Mapping[str, str] | None = None) -> str:
    """The run's page in the dashboard, for a tracker's link back."""
    return f"{public_url(environ)}/runs/{run_id}"


def check_tracking_uri(uri: str) -> str | None:
    """Why `uri` is not an MLflow tracking URI (the caller names the field), or None."""
    scheme = urlsplit(uri).scheme.split("+")[0].lower()
    if uri.startswith("/") or uri == "databricks" or scheme in MLFLOW_URI_SCHEMES:
        if scheme in ("http", "https") and not urlsplit(uri).hostname:
            return f"{uri!r} has no host; write it as http://HOST:PORT"
        return None
    return (f"{uri!r} is not an MLflow tracking URI; use http(s)://HOST:PORT, "
            f"sqlite:///PATH, file:///PATH or an absolute path")


def _section(spec: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    tracking = spec.get("tracking") or {}
    section = tracking.get(name) if isinstance(tracking, Mapping) else None
    return section if isinstance(section, Mapping) else None


def mlflow_target(spec: Mapping[str, Any], experiment_name: str,
                  environ: Mapping[str, str] | None = None) -> MlflowTarget | None:
    """The MLflow target of a run's spec (a dict, as stored), None when it asks for none.

    Raises:
        TrackingConfigError: no tracking URI in the spec or the environment, or one MLflow
            cannot use.
    """
    section = _section(spec, "mlflow")
    if section is None:
        return None
    env = os.environ if environ is None else environ
    uri = section.get("tracking_uri") or env.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise TrackingConfigError(
            "tracking.mlflow.tracking_uri is empty and MLFLOW_TRACKING_URI is not set; give "
            "the MLflow server, e.g. http://mlflow.internal:5000 or sqlite:///mlflow.db")
    problem = check_tracking_uri(uri)
    if problem:
        raise TrackingConfigError(f"tracking.mlflow.tracking_uri: {problem}")
    name = section.get("experiment_name") or env.get("MLFLOW_EXPERIMENT_NAME") or experiment_name
    return MlflowTarget(tracking_uri=uri, experiment_name=name,
                        register_model=section.get("register_model") or None)


def wandb_target(spec: Mapping[str, Any], environ: Mapping[str, str] | None = None,
                 default_directory: str | None = None) -> WandbTarget | None:
    """The W&B target of a run's spec, None when it asks for none or for mode "disabled".

    Raises:
        TrackingConfigError: a mode other than online, offline or disabled in WANDB_MODE.
    """
    section = _section(spec, "wandb")
    if section is None:
        return None
    env = os.environ if environ is None else environ
    mode = section.get("mode") or env.get("WANDB_MODE") or "online"
    if mode == "dryrun":
        mode = "offline"
    if mode not in ("online", "offline", "disabled"):
        raise TrackingConfigError(
            f"WANDB_MODE={mode!r} is not a mode; use online, offline or disabled")
    if mode == "disabled":
        return None
    return WandbTarget(
        project=section.get("project") or env.get("WANDB_PROJECT") or DEFAULT_WANDB_PROJECT,
        entity=section.get("entity") or env.get("WANDB_ENTITY") or None,
        mode=mode,
        directory=env.get("WANDB_DIR") or default_directory,
    )
