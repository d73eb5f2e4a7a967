"""Training a run's best trial: refit its pipeline on all search data, score it on the
held-out test split, save it, and package it as the run's next model version.

Shared by `optunagui train-best` and the run page's "Train the best model".
"""

from __future__ import annotations

import io
import json
import math
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
from pydantic import ValidationError

from optunagui.exports import ExportError, best_params_document
from optunagui.objective import fit_best, load_run_dataset, prepare_data
from optunagui.packaging import PackageError, PackageSource, build_package
from optunagui.spec import ExperimentSpec
from optunagui.store import get_run
from optunagui.store.models import create_model_version, delete_model_version, get_model_version

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from optunagui.config import Settings
    from optunagui.objective import PreparedData
    from optunagui.packaging import BuiltPackage
    from optunagui.store import Database

__all__ = ["TrainingError", "models_dir", "package_next_version", "package_zip", "save_model",
           "train_best"]


class TrainingError(ValueError):
    """The best trial cannot be trained: no such run, no complete trial, data or model gone."""


def models_dir(settings: Settings, run_id: int) -> Path:
    return settings.runs_dir / str(run_id) / "models"


def package_zip(database: Database, settings: Settings, run_id: int, version: int
                ) -> bytes | None:
    """A zip of the version's package, its files under ``v<N>/``; None when the run has no
    such version or its files are gone (or lie outside the run's models folder)."""
    with database.session() as session:
        row = get_model_version(session, run_id, version)
        directory = Path(row.path) if row is not None else None
    root = models_dir(settings, run_id).resolve()
    if directory is None or not directory.resolve().is_relative_to(root) \
            or not directory.is_dir():
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                archive.write(path, Path(directory.name) / path.relative_to(directory))
    return buffer.getvalue()


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def save_model(pipeline: Any, path: Path) -> tuple[Path, str]:
    """Save with skops when it can (a format loaded without running code), else joblib.

    Returns:
        The path written and its format ("skops" or "joblib").
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix != ".joblib":
        import skops.io

        target = path if path.suffix == ".skops" else path.with_suffix(".skops")
        try:
            skops.io.dump(pipeline, target)
            return target, "skops"
        except Exception as error:  # a type skops cannot write: fall back to joblib
            target.unlink(missing_ok=True)
            print(f"skops cannot save this model ({type(error).__name__}: {error}); "
                  "saving with joblib", file=sys.stderr)
    target = path.with_suffix(".joblib")
    joblib.dump(pipeline, target)
    return target, "joblib"


def package_next_version(
    database: Database,
    settings: Settings,
    run: dict[str, Any],
    best: dict[str, Any],
    spec: ExperimentSpec,
    pipeline: Pipeline,
    data: PreparedData,
    test_scores: dict[str, float],
    *,
    zip: bool = False,
    created_by: int | None = None,
) -> BuiltPackage:
    """Number the run's next model version and write its package to ``models/v<N>``.

    ``best`` is the best trial as ``optunagui.exports.best_params_document`` describes it.
    A package that cannot be written leaves no version behind.
    """
    with database.session() as session:
        row = create_model_version(session, run["id"], trial_number=best["trial_number"],
                                   models_dir=models_dir(settings, run["id"]),
                                   metrics=test_scores, created_by=created_by)
        version, path = row.version, Path(row.path)
    source = PackageSource(run_id=run["id"], run_name=run["name"],
                           trial_number=best["trial_number"], params=best["params"],
                           validation_metrics=best["metrics"], version=version)
    try:
        return build_package(source, spec, pipeline, data, test_scores, path, zip=zip)
    except (PackageError, OSError) as error:
        with database.session() as session:
            delete_model_version(session, run["id"], version)
        raise TrainingError(f"run {run['id']}: cannot package the model: {error}") from None


def train_best(
    database: Database,
    settings: Settings,
    run_id: int,
    *,
    device: str = "cpu",
    output: Path | None = None,
    zip: bool = False,
    created_by: int | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Train, save and package the run's best trial; the document written as best_model.json.

    Raises:
        TrainingError: no such run, no complete trial, a dataset that cannot be read, a
            package that cannot be written.
    """
    with database.session() as session:
        found = get_run(session, run_id)
        if found is None:
            raise TrainingError(f"run {run_id} does not exist")
        run = {"id": found.id, "name": found.name, "spec": dict(found.spec or {}),
               "status": found.status}
        try:
            best = best_params_document(session, run_id)
        except ExportError:
            raise TrainingError(
                f"run {run_id} has no complete trial to train ({run['status']})") from None
    try:
        spec = ExperimentSpec.model_validate(run["spec"])
    except ValidationError as error:
        raise TrainingError(f"run {run_id}'s stored spec is not valid: {error}") from None
    try:
        dataset = load_run_dataset(spec, settings)
    except (OSError, ValueError) as error:
        raise TrainingError(f"dataset of run {run_id}: {error}") from None
    data = prepare_data(spec, dataset)
    if log is not None:
        log(f"run {run_id}: fitting trial {best['trial_number']}'s pipeline on "
            f"{len(data.y_train)} rows")
    pipeline, scores = fit_best(spec, best["params"], data, device=device)
    default = settings.runs_dir / str(run_id) / "best_model.skops"
    path, fmt = save_model(pipeline, output or default)
    package = package_next_version(database, settings, run, best, spec, pipeline, data, scores,
                                   zip=zip, created_by=created_by)
    primary = spec.metrics[0].name if spec.metrics else next(iter(scores), None)
    document = {
        "run_id": run_id,
        "trial_number": best["trial_number"],
        "params": best["params"],
        "test_metric": primary,
        "test_score": _finite(scores.get(primary)) if primary else None,
        "test_scores": {k: _finite(v) for k, v in scores.items()},
        "n_test_rows": len(data.y_test),
        "model_path": str(path),
        "model_format": fmt,
        "version": package.manifest["version"],
        "package_path": str(package.directory),
        "package_zip": str(package.zip_path) if package.zip_path else None,
    }
    if spec.tracking is not None and spec.tracking.mlflow is not None:
        document["mlflow"] = _log_to_mlflow(database, run_id, package, log)
    path.with_name(path.stem + ".json").write_text(json.dumps(document, indent=2) + "\n")
    return document


def _log_to_mlflow(database: Database, run_id: int, package: BuiltPackage, log: Any
                   ) -> dict[str, Any] | None:
    """The package as an artifact of the run's parent MLflow run (registered when the spec
    says so); a tracker that fails is reported, the trained model is kept all the same."""
    from optunagui.tracking import ModelLogError, log_model_package

    try:
        logged = log_model_package(database, run_id, package.directory,
                                   int(package.manifest["version"]))
    except ModelLogError as error:
        if log is not None:
            log(f"run {run_id}: the model package was not logged to MLflow: {error}")
        return {"error": str(error)}
    if logged is not None and log is not None:
        registered = (f", registered as {logged['registered_model']} version "
                      f"{logged['registered_version']}" if logged["registered_version"] else "")
        log(f"run {run_id}: model package logged to MLflow at {logged['artifact_uri']}"
            f"{registered}")
    return logged
