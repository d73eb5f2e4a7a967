"""A run's files for download: best parameters (JSON), spec (YAML), trials (CSV or Parquet).

The spec comes out re-runnable as is (``optunagui run spec.yaml``): a dataset file is named
by its absolute path and its content hash, so the same data is used again. The trials table
has one row per trial, with Optuna's column names (``params_<name>``, ``values_<metric>``).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.orm import Session

from optunagui.config import Settings
from optunagui.exports.spreadsheet import neutralise_formulas
from optunagui.spec import ExperimentSpec
from optunagui.spec.io import dump_spec
from optunagui.store import get_best_trial, get_run, list_trials

__all__ = [
    "TRIAL_FORMATS",
    "ExportError",
    "best_params_document",
    "best_params_json",
    "spec_yaml",
    "trials_bytes",
    "trials_frame",
]

TRIAL_FORMATS = ("csv", "parquet")


class ExportError(ValueError):
    """The export cannot be made (no such run, no complete trial, unknown format)."""


def _run(session: Session, run_id: int) -> Any:
    run = get_run(session, run_id)
    if run is None:
        raise ExportError(f"run {run_id} does not exist")
    return run


def _metric_names(spec: dict[str, Any]) -> list[str]:
    names = [m.get("name") for m in spec.get("metrics") or [] if isinstance(m, dict)]
    return [str(n) for n in names if n] or ["value"]


def _finite(value: Any) -> Any:
    return value if not isinstance(value, float) or math.isfinite(value) else None


def best_params_document(session: Session, run_id: int) -> dict[str, Any]:
    """The best complete trial (on the primary metric): its number, values and parameters."""
    run = _run(session, run_id)
    best = get_best_trial(session, run_id)
    if best is None:
        raise ExportError(f"run {run_id} has no complete trial yet ({run.status})")
    spec = dict(run.spec or {})
    names = _metric_names(spec)
    values = list(best.values or [])
    return {
        "run_id": run.id,
        "run_name": run.name,
        "study_name": run.study_name,
        "trial_number": best.number,
        "model": spec.get("model"),
        **({"objective": spec["objective"].get("function")}
           if isinstance(spec.get("objective"), dict) else {}),
        "value": _finite(values[0]) if values else None,
        "metrics": {name: _finite(v) for name, v in zip(names, values, strict=False)},
        "params": dict(best.params or {}),
    }


def spec_yaml(session: Session, run_id: int, settings: Settings | None = None) -> str:
    """The run's spec as YAML that ``optunagui run`` accepts unchanged."""
    run = _run(session, run_id)
    raw = dict(run.spec or {})
    dataset = dict(raw.get("dataset") or {})
    if dataset.get("path") and settings is not None and not Path(dataset["path"]).is_absolute():
        dataset["path"] = str(settings.data_dir / dataset["path"])
        raw["dataset"] = dataset
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValidationError as error:
        raise ExportError(f"run {run_id}'s stored spec is not valid any more: {error}") from None
    header = f"# Run {run.id} ({run.name}), study {run.study_name}\n"
    return header + dump_spec(spec, "yaml")


def trials_frame(session: Session, run_id: int) -> pd.DataFrame:
    """One row per trial: number, state, values, parameters, duration, steps, times, worker,
    error, and ``warm_start``: the index in the spec's warm start of the configuration a
    warm-start trial evaluated (empty for the others)."""
    run = _run(session, run_id)
    names = _metric_names(dict(run.spec or {}))
    param_names = list((run.current_space or (run.spec or {}).get("space") or {}).keys())
    rows = []
    for trial in list_trials(session, run_id):
        params = trial.params or {}
        for name in params:
            if name not in param_names:
                param_names.append(name)
        values = list(trial.values or [])
        row: dict[str, Any] = {"number": trial.number, "state": trial.state}
        for index, metric in enumerate(names):
            row[f"values_{metric}"] = values[index] if index < len(values) else None
        row.update({f"params_{name}": params.get(name) for name in params})
        row.update(
            duration_s=trial.duration_s,
            steps=None if trial.last_step is None else trial.last_step + 1,
            started_at=trial.started_at,
            finished_at=trial.finished_at,
            worker=trial.worker,
            error=trial.error,
            warm_start=(trial.user_attrs or {}).get("warm_start"),
        )
        rows.append(row)
    columns = [
        "number", "state", *(f"values_{m}" for m in names),
        *(f"params_{p}" for p in param_names),
        "duration_s", "steps", "started_at", "finished_at", "worker", "error", "warm_start",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in [f"values_{m}" for m in names] + ["duration_s"]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["steps"] = frame["steps"].astype("Int64")
    frame["warm_start"] = frame["warm_start"].astype("Int64")
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _mixed_to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet needs one type per column: a parameter mixing numbers and text becomes text."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype != object:
            continue
        kinds = {type(v) for v in out[column] if v is not None and not pd.isna(v)}
        if len(kinds) > 1 and not kinds <= {int, float}:
            out[column] = [None if v is None or pd.isna(v) else str(v) for v in out[column]]
        elif kinds <= {int, float} and kinds:
            out[column] = pd.to_numeric(out[column], errors="coerce")
    return out


def trials_bytes(session: Session, run_id: int, fmt: str) -> bytes:
    """The trials table as CSV (UTF-8, header row, text that would start a spreadsheet formula
    prefixed with ``'``) or Parquet bytes (every value as stored)."""
    if fmt not in TRIAL_FORMATS:
        raise ExportError(f"format: expected one of {', '.join(TRIAL_FORMATS)}, got {fmt!r}")
    frame = trials_frame(session, run_id)
    if fmt == "csv":
        # CRLF rows (RFC 4180), so a carriage return inside a cell is quoted with it.
        text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n")
        return text.encode("utf-8")
    buffer = io.BytesIO()
    _mixed_to_text(frame).to_parquet(buffer, index=False)
    return buffer.getvalue()


def best_params_json(session: Session, run_id: int) -> str:
    return json.dumps(best_params_document(session, run_id), indent=2, default=str) + "\n"
