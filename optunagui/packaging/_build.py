"""A deployment-ready package of a trained pipeline: its files, model.json and predict.py."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optunagui.packaging._artifacts import PackageError, save_pipeline
from optunagui.packaging._schema import input_schema, package_versions
from optunagui.packaging._standalone_predict import PackagedModel

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from optunagui.objective import PreparedData
    from optunagui.spec import ExperimentSpec

__all__ = ["FORMAT_VERSION", "BuiltPackage", "PackageSource", "build_package"]

FORMAT_VERSION = 1
PREDICT_FILE = "predict.py"
_PREDICT_SOURCE = Path(__file__).with_name("_standalone_predict.py")
SPREADSHEET_FILE = "og_spreadsheet.py"
_SPREADSHEET_SOURCE = Path(__file__).parent.parent / "exports" / "spreadsheet.py"
_CHECK_ROWS = 200


@dataclass(frozen=True)
class PackageSource:
    """Where the packaged model comes from: the run, its trial and that trial's scores."""

    run_id: int
    run_name: str
    trial_number: int
    params: dict[str, Any]
    validation_metrics: dict[str, Any] = field(default_factory=dict)
    version: int | None = None


@dataclass(frozen=True)
class BuiltPackage:
    directory: Path
    manifest: dict[str, Any]
    zip_path: Path | None = None


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _manifest(source: PackageSource, spec: ExperimentSpec, data: PreparedData,
              test_scores: dict[str, Any], artifact: dict[str, Any]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "run_id": source.run_id,
        "run_name": source.run_name,
        "version": source.version,
        "trial_number": source.trial_number,
        "model_family": spec.model,
        "task": data.task,
        "spec": spec.model_dump(mode="json"),
        "params": source.params,
        "primary_metric": spec.metrics[0].name if spec.metrics else None,
        "validation_metrics": {k: _finite(v) for k, v in source.validation_metrics.items()},
        "test_metrics": {k: _finite(v) for k, v in test_scores.items()},
        "dataset": {
            "source": spec.data.builtin or spec.data.path,
            "sha256": data.dataset_sha256,
            "n_rows": data.n_rows,
            "n_features": len(data.feature_columns),
            "n_train_rows": len(data.X_train),
            "n_test_rows": len(data.X_test),
        },
        "input_schema": input_schema(data.X_train),
        "target": data.target,
        "classes": list(data.classes) if data.task == "classification" else None,
        "artifact": artifact,
        "versions": package_versions(spec.model_name),
    }


def _requirements(versions: dict[str, str]) -> str:
    lines = [f"# Python {versions['python']}"]
    lines += [f"{name}=={version}" for name, version in versions.items() if name != "python"]
    return "\n".join(lines) + "\n"


def _readme(manifest: dict[str, Any]) -> str:
    columns = ", ".join(c["name"] for c in manifest["input_schema"])
    return (
        f"# {manifest['model_family']} model of run {manifest['run_id']} "
        f"({manifest['run_name']}), trial {manifest['trial_number']}\n\n"
        "    pip install -r requirements.txt\n"
        "    python predict.py input.csv -o predictions.csv [--proba]\n\n"
        f"Input columns (any order): {columns}.\n"
        "model.json lists their types, the parameters, the scores and the library versions.\n"
    )


def _check_reproduces(pipeline: Pipeline, data: PreparedData, directory: Path,
                      manifest: dict[str, Any]) -> None:
    """Load the package the way predict.py does and compare its predictions with the model's.

    A network trained on a GPU is packaged for the CPU, whose float32 sums differ in the last
    digits: there, values agree to 1e-4 and at most 1% of the labels (near ties) differ.
    """
    rows = (data.X_test if len(data.X_test) else data.X_train).head(_CHECK_ROWS)
    packaged = PackagedModel(manifest, directory).predict(rows)
    expected = np.asarray(pipeline.predict(rows))
    on_gpu = str(getattr(pipeline.named_steps["model"], "device_", "cpu")) != "cpu"
    if data.task == "classification":
        expected = np.asarray(data.classes)[expected.astype(int)]
        agreement = float(np.mean(packaged == expected)) if len(rows) else 1.0
        same = agreement >= (0.99 if on_gpu else 1.0)
    else:
        rtol, atol = (1e-4, 1e-6) if on_gpu else (1e-9, 1e-12)
        same = bool(np.allclose(packaged, expected.astype(float), rtol=rtol, atol=atol))
    if not same:
        raise PackageError("the packaged model does not predict what the trained model predicts")


def build_package(
    source: PackageSource,
    spec: ExperimentSpec,
    pipeline: Pipeline,
    data: PreparedData,
    test_scores: dict[str, Any],
    out_dir: Path,
    *,
    zip: bool = False,
) -> BuiltPackage:
    """Write the package into ``out_dir`` (new or empty) and, with ``zip``, ``<out_dir>.zip``.

    The files: the fitted pipeline (see ``save_pipeline``), ``model.json``, a standalone
    ``predict.py``, ``requirements.txt`` with exact versions, and a short README.md.

    Raises:
        PackageError: out_dir holds files already, the model cannot be saved without
            optunagui, or the saved model does not predict what the trained one does.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise PackageError(f"{out_dir} already holds files; a package is never overwritten")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        artifact = save_pipeline(pipeline, out_dir)
        manifest = _manifest(source, spec, data, test_scores, artifact)
        (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                            encoding="utf-8")
        shutil.copyfile(_PREDICT_SOURCE, out_dir / PREDICT_FILE)
        shutil.copyfile(_SPREADSHEET_SOURCE, out_dir / SPREADSHEET_FILE)
        (out_dir / "requirements.txt").write_text(_requirements(manifest["versions"]))
        (out_dir / "README.md").write_text(_readme(manifest))
        _check_reproduces(pipeline, data, out_dir, manifest)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    zip_path = None
    if zip:
        zip_path = Path(shutil.make_archive(str(out_dir), "zip", root_dir=out_dir))
    return BuiltPackage(directory=out_dir, manifest=manifest, zip_path=zip_path)
