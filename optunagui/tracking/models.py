"""A trained model package logged to the run's parent MLflow run, and registered on request."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from optunagui.store.db import Database
from optunagui.store.tracking import get_tracking_state
from optunagui.tracking.mlflow_client import MlflowRuns
from optunagui.tracking.reads import load_run_facts
from optunagui.tracking.sync import sync_run
from optunagui.tracking.targets import TrackingConfigError, mlflow_target

__all__ = ["ModelLogError", "log_model_package"]


class ModelLogError(RuntimeError):
    """The package could not go to MLflow (the model itself is trained and kept)."""


def log_model_package(db: Database, run_id: int, package_dir: Path, version: int, *,
                      environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Log ``package_dir`` as ``model/v<version>`` of the run's parent MLflow run, and make
    it a version of ``tracking.mlflow.register_model`` when the spec names one.

    Returns None when the run is not tracked in MLflow, else ``{"parent_run_id",
    "artifact_uri", "registered_model", "registered_version"}``.

    Raises:
        ModelLogError: MLflow cannot be reached or refuses, or the spec's tracking is invalid.
    """
    with db.session() as session:
        facts = load_run_facts(session, run_id)
    if facts is None:
        raise ModelLogError(f"run {run_id} does not exist")
    try:
        target = mlflow_target(facts.spec, facts.experiment_name, environ)
    except TrackingConfigError as error:
        raise ModelLogError(str(error)) from None
    if target is None:
        return None
    parent = _parent(db, run_id)
    if parent is None:  # never synced yet (a live run's driver has made it by now)
        result = sync_run(db, run_id, force=True, environ=environ)
        parent = _parent(db, run_id)
        if parent is None:
            raise ModelLogError(result.errors.get("mlflow") or
                                f"run {run_id} has no parent run in {target.describe()} yet")
    runs = MlflowRuns(target)
    artifact_path = f"model/v{version}"
    try:
        runs.client.log_artifacts(parent, str(package_dir), artifact_path)
        registered = _register(runs, target.register_model, parent, artifact_path, run_id,
                               version)
    except Exception as error:  # MLflow's and requests' errors alike
        raise ModelLogError(f"{target.describe()}: {type(error).__name__}: {error}") from None
    return {"parent_run_id": parent, "artifact_uri": f"runs:/{parent}/{artifact_path}",
            "registered_model": target.register_model, "registered_version": registered}


def _parent(db: Database, run_id: int) -> str | None:
    with db.session() as session:
        state = get_tracking_state(session, run_id, "mlflow")
        return state.external_id if state is not None else None


def _register(runs: MlflowRuns, name: str | None, parent: str, artifact_path: str,
              run_id: int, version: int) -> str | None:
    if not name:
        return None
    from mlflow.exceptions import MlflowException

    try:
        runs.client.create_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    created = runs.client.create_model_version(
        name, source=f"runs:/{parent}/{artifact_path}", run_id=parent,
        tags={"optunagui.run_id": str(run_id), "optunagui.model_version": str(version)})
    return str(created.version)
