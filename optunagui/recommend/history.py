"""The earlier runs a suggestion may use: the same model and task, in the experiments the user
may read (``list_experiments_for_user``: their memberships, every experiment for an admin),
on the same dataset or, when none of those has enough finished trials, on data like it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from optunagui.recommend.datasets import dataset_identity, load_profile, match_of
from optunagui.recommend.past_runs import PastRun, space_of_spec
from optunagui.store.experiments import list_experiments_for_user
from optunagui.store.tables import DatasetVersion, Run
from optunagui.store.trials import list_trials

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.spec.model import ExperimentSpec

__all__ = ["find_past_runs", "readable_runs_of_model"]


def readable_runs_of_model(session: Session, user_id: int, model: str, task: str | None,
                           may_read_run: Callable[[int], bool] | None = None) -> list[Run]:
    """Runs of ``model`` (for ``task``) in the experiments ``user_id`` may read, oldest first.

    Args:
        may_read_run: a caller's own check of each run on top (the dashboard's access rule).
    """
    experiment_ids = [access.experiment.id
                      for access in list_experiments_for_user(session, user_id)]
    if not experiment_ids:
        return []
    runs = session.scalars(select(Run).where(Run.experiment_id.in_(experiment_ids))
                           .order_by(Run.id))
    return [run for run in runs if isinstance(run.spec, dict) and run.spec.get("model") == model
            and (task is None or run.spec.get("task") in (None, task))
            and not run.spec.get("attached") and not run.spec.get("objective")
            and (may_read_run is None or may_read_run(run.id))]


def version_hashes(session: Session, runs: list[Run]) -> dict[int, str]:
    """Each run's dataset version id -> the version's content hash."""
    ids = {run.dataset_version_id for run in runs if run.dataset_version_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(DatasetVersion.id, DatasetVersion.sha256)
                                .where(DatasetVersion.id.in_(ids))).tuples().all())


def _past_run(session: Session, run: Run, match: str) -> PastRun:
    spec: Mapping[str, Any] = run.spec
    metrics = spec.get("metrics") or [{}]
    first = metrics[0] if isinstance(metrics[0], dict) else {}
    return PastRun(run_id=run.id, experiment_id=run.experiment_id, name=run.name,
                   space=space_of_spec(spec, run.current_space),
                   direction=first.get("direction") or "maximize",
                   metric=first.get("name") or "value",
                   trials=list_trials(session, run.id, states=["complete"]), match=match)


def find_past_runs(session: Session, spec: ExperimentSpec, user_id: int,
                   *, exclude_run_ids: tuple[int, ...] = (),
                   may_read_run: Callable[[int], bool] | None = None) -> list[PastRun]:
    """The closest tier of earlier runs with enough finished trials (see
    ``recommend.datasets``); an empty list when no tier has one."""
    runs = [run for run in readable_runs_of_model(session, user_id, spec.model_name, spec.task,
                                                  may_read_run)
            if run.id not in exclude_run_ids]
    if not runs or spec.dataset is None:
        return []
    draft_data = spec.dataset.model_dump(mode="json", exclude_none=True)
    draft_identity = dataset_identity(draft_data)
    hashes = version_hashes(session, runs)
    identities = {run.id: dataset_identity(run.spec.get("dataset") or {},
                                           hashes.get(run.dataset_version_id or 0))
                  for run in runs}
    same = [run for run in runs if draft_identity and identities[run.id] == draft_identity]
    found = [p for p in (_past_run(session, run, "same dataset") for run in same) if p.usable]
    if found:
        return found
    draft_profile = load_profile(draft_data, draft_identity)
    tiers: dict[str, list[Run]] = {"same columns": [], "similar data": []}
    for run in runs:
        if run in same:
            continue
        match = match_of(draft_profile, load_profile(run.spec.get("dataset") or {},
                                                     identities[run.id]))
        if match is not None:
            tiers[match].append(run)
    for match, members in tiers.items():
        found = [p for p in (_past_run(session, run, match) for run in members) if p.usable]
        if found:
            return found
    return []
