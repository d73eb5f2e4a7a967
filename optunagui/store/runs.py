"""Runs: one Optuna study executed by the driver, with its spec, status and process handles."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.status import RUN_STATUSES, TERMINAL_RUN_STATUSES, RunStatus
from optunagui.store._types import utcnow
from optunagui.store._util import conflict_guard, require, require_choice
from optunagui.store.errors import InvalidState
from optunagui.store.tables import DatasetVersion, Experiment, Run, User

__all__ = [
    "create_run",
    "get_run",
    "get_run_by_study_name",
    "list_runs",
    "list_runs_in_group",
    "set_run_environment",
    "set_run_process",
    "update_run_status",
]


def _spec_dict(spec: Any) -> dict[str, Any]:
    """The spec as plain JSON data (pydantic models are dumped in JSON mode)."""
    if hasattr(spec, "model_dump"):
        return spec.model_dump(mode="json")
    if isinstance(spec, Mapping):
        return dict(spec)
    raise TypeError(f"a run spec must be a mapping or a pydantic model, got {type(spec)!r}")


def _budget_from_spec(spec: Mapping[str, Any]) -> int | None:
    budget = spec.get("budget")
    if isinstance(budget, Mapping) and isinstance(budget.get("n_trials"), int):
        return budget["n_trials"]
    return None


def create_run(
    session: Session,
    experiment_id: int,
    name: str,
    spec: Any,
    *,
    created_by: int | None = None,
    study_name: str | None = None,
    group_key: str | None = None,
    dataset_version_id: int | None = None,
    n_trials_budget: int | None = None,
    current_space: Mapping[str, Any] | None = None,
) -> Run:
    """Add a queued run.

    Args:
        spec: the validated run spec (an ExperimentSpec or its JSON dict), stored whole.
        study_name: the Optuna study name; default ``run-<32 hex>`` (unique, never reused).
        group_key: shared by runs launched together (model selection).
        n_trials_budget: default: the spec's ``budget.n_trials``.
        current_space: the live search ranges; default: the spec's ``space``.

    Raises:
        NotFound: unknown experiment, user or dataset version.
        Conflict: the study name is taken.
        ValueError: empty name.
    """
    require(session, Experiment, experiment_id, "experiment")
    if created_by is not None:
        require(session, User, created_by, "user")
    if dataset_version_id is not None:
        require(session, DatasetVersion, dataset_version_id, "dataset version")
    name = (name or "").strip()
    if not name:
        raise ValueError("a run needs a name")
    data = _spec_dict(spec)
    if current_space is None and isinstance(data.get("space"), Mapping):
        current_space = data["space"]
    run = Run(
        experiment_id=experiment_id,
        name=name[:200],
        spec=data,
        status=RunStatus.queued.value,
        study_name=study_name or f"run-{uuid.uuid4().hex}",
        group_key=group_key,
        dataset_version_id=dataset_version_id,
        created_by=created_by,
        n_trials_budget=n_trials_budget if n_trials_budget is not None else _budget_from_spec(data),
        current_space=dict(current_space) if current_space is not None else None,
    )
    with conflict_guard(session, f"the study name {run.study_name!r} is already used"):
        session.add(run)
        session.flush()
    return run


def get_run(session: Session, run_id: int) -> Run | None:
    return session.get(Run, run_id)


def get_run_by_study_name(session: Session, study_name: str) -> Run | None:
    return session.scalar(select(Run).where(Run.study_name == study_name))


def list_runs(session: Session, experiment_id: int, *, status: str | None = None) -> list[Run]:
    """An experiment's runs, newest first (optionally only those with one status)."""
    query = select(Run).where(Run.experiment_id == experiment_id)
    if status is not None:
        query = query.where(Run.status == require_choice(status, RUN_STATUSES, "run status"))
    return list(session.scalars(query.order_by(Run.created_at.desc(), Run.id.desc())))


def list_runs_in_group(session: Session, group_key: str) -> list[Run]:
    """The runs launched together under one group key, oldest first."""
    return list(session.scalars(select(Run).where(Run.group_key == group_key).order_by(Run.id)))


def update_run_status(
    session: Session, run_id: int, status: str, *, reason: str | None = None
) -> Run:
    """Move a run to a new status and stamp the times.

    ``started_at`` is set the first time the run is running; ``finished_at`` when it reaches
    completed, stopped or failed. A finished run stays finished: setting the same terminal
    status again only updates the reason.

    Raises:
        ValueError: unknown status.
        NotFound: no such run.
        InvalidState: the run has already finished with another status.
    """
    require_choice(status, RUN_STATUSES, "run status")
    run = require(session, Run, run_id, "run")
    if run.status in TERMINAL_RUN_STATUSES and status != run.status:
        raise InvalidState(f"run {run_id} already finished ({run.status}); cannot set {status}")
    now = utcnow()
    if status == RunStatus.running and run.started_at is None:
        run.started_at = now
    if status in TERMINAL_RUN_STATUSES and run.finished_at is None:
        run.finished_at = now
    run.status = status
    run.status_reason = reason
    session.flush()
    return run


def set_run_process(
    session: Session,
    run_id: int,
    *,
    ray_job_id: str | None = None,
    driver_pid: int | None = None,
) -> Run:
    """Record how to find the run's driver (Ray job id and/or local process id).

    Raises:
        NotFound: no such run.
    """
    run = require(session, Run, run_id, "run")
    if ray_job_id is not None:
        run.ray_job_id = ray_job_id
    if driver_pid is not None:
        run.driver_pid = driver_pid
    session.flush()
    return run


def set_run_environment(
    session: Session,
    run_id: int,
    *,
    packages: Mapping[str, str],
    cluster: Mapping[str, Any],
    at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Record the environment a driver runs the run in; each start (a resume too) adds an entry.

    Args:
        packages: package name -> version (python included).
        cluster: the Ray cluster as the driver saw it (resources, number of nodes).
        at: when the driver started (default: now).

    Returns:
        Every entry recorded so far, oldest first: ``{at, packages, cluster}``.

    Raises:
        NotFound: no such run.
    """
    run = require(session, Run, run_id, "run")
    entry = {
        "at": (at or utcnow()).isoformat(),
        "packages": {str(name): str(version) for name, version in packages.items()},
        "cluster": dict(cluster),
    }
    # A new list, so the JSON column is seen as changed.
    run.environment = [*(run.environment or []), entry]
    session.flush()
    return list(run.environment)
