"""Launching what the wizard set up: one run row per model, then each submitted to the cluster;
and the earlier runs a launch would nearly duplicate (the wizard and the API ask first)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from optunagui.store import create_run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cluster.launch.start import SubmitOne
    from optunagui.config import Settings
    from optunagui.recommend import SimilarRun
    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

__all__ = ["LaunchResult", "create_runs", "find_near_duplicates", "launch_runs"]


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


def launch_runs(
    database: Database,
    settings: Settings,
    experiment_id: int,
    specs: Mapping[str, ExperimentSpec],
    *,
    created_by: int | None,
    dataset_version_id: int | None = None,
    submit: SubmitOne | None = None,
) -> LaunchResult:
    """Create the runs in one transaction, then start each one's driver
    (`cluster.launch.start.start_runs`: a run whose driver cannot start is marked failed).

    Args:
        submit: starts one run (default: ``cluster.launch.submit.submit_run`` with these settings).
    """
    # Ray loads with the cluster package: the dashboard imports it only to start runs.
    from cluster.launch.start import start_runs

    with database.session() as session:
        run_ids = create_runs(session, experiment_id, specs, created_by=created_by,
                              dataset_version_id=dataset_version_id)
    started = start_runs(run_ids, settings, db=database, submit_one=submit)
    return LaunchResult(run_ids, started.failures)


def find_near_duplicates(database: Database, specs: Mapping[str, ExperimentSpec], *,
                         user_id: int, may_read_run: Callable[[int], bool] | None = None
                         ) -> list[SimilarRun]:
    """The earlier runs ``user_id`` may read that one of ``specs`` nearly duplicates
    (``optunagui.recommend.near_duplicates``), each once, most similar first."""
    from optunagui.recommend import near_duplicates

    found: dict[int, SimilarRun] = {}
    with database.session() as session:
        for spec in specs.values():
            for duplicate in near_duplicates(session, user_id, spec, may_read_run=may_read_run):
                found.setdefault(duplicate.run_id, duplicate)
    return sorted(found.values(), key=lambda d: -d.score)
