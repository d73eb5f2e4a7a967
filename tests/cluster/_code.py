"""Helpers for code-run tests: a user's folder with an objective file, and its run."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from typing import Any

from optunagui.code.launch import with_stored_code
from optunagui.spec import ExperimentSpec
from optunagui.spec.validation import validate_spec
from optunagui.store import Database, create_experiment, create_run, create_user


def write_code(folder: Path, source: str, name: str = "train.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source))
    return folder


def code_spec(folder: Path, **overrides: Any) -> ExperimentSpec:
    raw: dict[str, Any] = {
        "name": "code run",
        "objective": {"function": "train.py:objective"},
        "metrics": [{"name": "score", "direction": "maximize"}],
        "sampler": {"name": "random", "seed": 0},
        "budget": {"n_trials": 4, "max_concurrent": 1},
    }
    raw.update(overrides)
    return validate_spec(raw, base_dir=folder)


def make_code_run(db: Database, spec: ExperimentSpec, name: str = "code run") -> int:
    with db.session() as session:
        user = create_user(session, f"u-{time.monotonic_ns()}", "x")
        experiment = create_experiment(session, "code runs", created_by=user.id)
        spec = with_stored_code(session, spec)
        return create_run(session, experiment.id, name, spec, created_by=user.id).id
