"""Launching what the wizard set up: one run row per model, then each submitted to the cluster."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optunagui.store import create_run, update_run_status

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.config import Settings
    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

__all__ = ["LaunchResult", "create_runs", "launch_runs", "submit_runs"]


def create_runs(
    session: Session,
    experiment_id: int,
    specs: Mapping[str, ExperimentSpec],
    *,
    created_by: int | None,
    dataset_version_id: int | None = None,
) -> list[int]:
    """One queued run per validated spec. Several runs (model selection) share a group key.

    Returns:
        The new run ids, in the order of ``specs``.
    """
    group_key = uuid.uuid4().hex if len(specs) > 1 else None
    ids = []
    for spec in specs.values():
        run = create_run(
            session,
            experiment_id,
            spec.name,
            spec.to_dict(),
            created_by=created_by,
            group_key=group_key,
            dataset_version_id=dataset_version_id,
        )
        ids.append(run.id)
    return ids


Submit = Callable[[int], object]


@dataclass
class LaunchResult:
    """Attributes:
        run_ids: the runs created.
        failures: run id -> why its driver could not be started (that run is marked failed).
    """

    run_ids: list[int]
    failures: dict[int, str] = field(default_factory=dict)

    @property
    def target_url(self) -> str | None:
        """Where to go next: the run page for one run; None for several (the experiment page)."""
        return f"/runs/{self.run_ids[0]}" if len(self.run_ids) == 1 else None


def submit_runs(database: Database, run_ids: list[int], submit: Submit) -> dict[int, str]:
    """Submit each run; a run whose driver cannot start is marked failed with the reason."""
    from cluster.launch.jobs import SubmitError

    failures: dict[int, str] = {}
    for run_id in run_ids:
        try:
            submit(run_id)
        except (SubmitError, OSError) as error:
            failures[run_id] = str(error) or type(error).__name__
            with database.session() as session:
                update_run_status(session, run_id, "failed",
                                  reason=f"could not start: {failures[run_id]}")
    return failures


def launch_runs(
    database: Database,
    settings: Settings,
    experiment_id: int,
    specs: Mapping[str, ExperimentSpec],
    *,
    created_by: int | None,
    dataset_version_id: int | None = None,
    submit: Submit | None = None,
) -> LaunchResult:
    """Create the runs in one transaction, then start each one's driver.

    Args:
        submit: starts one run (default: ``cluster.launch.submit.submit_run`` with these settings).
    """
    with database.session() as session:
        run_ids = create_runs(session, experiment_id, specs, created_by=created_by,
                              dataset_version_id=dataset_version_id)
    if submit is None:
        from cluster.launch.submit import submit_run

        def submit(run_id: int) -> object:
            return submit_run(run_id, settings, db=database)

    return LaunchResult(run_ids, submit_runs(database, run_ids, submit))
