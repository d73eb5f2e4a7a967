"""Experiments: a named home for runs, shared with people through memberships."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.store._types import utcnow
from optunagui.store._util import require
from optunagui.store.tables import Experiment, Membership, Run, User

__all__ = [
    "MAX_EXPERIMENT_NAME_LENGTH",
    "ExperimentAccess",
    "create_experiment",
    "delete_experiment",
    "get_experiment",
    "list_experiments_for_user",
    "rename_experiment",
    "set_baseline_run",
    "update_experiment_description",
]

MAX_EXPERIMENT_NAME_LENGTH = 200


class ExperimentAccess(NamedTuple):
    """An experiment as one user sees it; role is None when visible only because of admin."""

    experiment: Experiment
    role: str | None


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValueError("an experiment needs a name")
    if len(cleaned) > MAX_EXPERIMENT_NAME_LENGTH:
        raise ValueError(f"an experiment name has at most {MAX_EXPERIMENT_NAME_LENGTH} characters")
    return cleaned


def create_experiment(
    session: Session, name: str, created_by: int, *, description: str = ""
) -> Experiment:
    """Add an experiment; its creator becomes its owner.

    Raises:
        ValueError: empty or too long name.
        NotFound: no such user.
    """
    require(session, User, created_by, "user")
    experiment = Experiment(
        name=_clean_name(name), description=description or "", created_by=created_by
    )
    session.add(experiment)
    session.flush()
    session.add(Membership(experiment_id=experiment.id, user_id=created_by, role="owner"))
    session.flush()
    return experiment


def get_experiment(session: Session, experiment_id: int) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def list_experiments_for_user(session: Session, user_id: int) -> list[ExperimentAccess]:
    """The experiments a user may open, newest first, with the user's role in each.

    Admins see every experiment (role None where they are not a member). An unknown or
    inactive user sees nothing.
    """
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return []
    query = (
        select(Experiment, Membership.role)
        .outerjoin(
            Membership,
            (Membership.experiment_id == Experiment.id) & (Membership.user_id == user_id),
        )
        .order_by(Experiment.created_at.desc(), Experiment.id.desc())
    )
    if not user.is_admin:
        query = query.where(Membership.user_id == user_id)
    return [ExperimentAccess(experiment, role) for experiment, role in session.execute(query)]


def rename_experiment(session: Session, experiment_id: int, name: str) -> Experiment:
    """Raises NotFound for an unknown experiment, ValueError for an empty name."""
    experiment = require(session, Experiment, experiment_id, "experiment")
    experiment.name = _clean_name(name)
    experiment.updated_at = utcnow()
    session.flush()
    return experiment


def update_experiment_description(
    session: Session, experiment_id: int, description: str
) -> Experiment:
    experiment = require(session, Experiment, experiment_id, "experiment")
    experiment.description = description or ""
    experiment.updated_at = utcnow()
    session.flush()
    return experiment


def set_baseline_run(session: Session, experiment_id: int, run_id: int | None) -> Experiment:
    """Mark one run of the experiment as the baseline others are compared with (None clears).

    Raises:
        NotFound: unknown experiment or run.
        ValueError: the run belongs to another experiment.
    """
    experiment = require(session, Experiment, experiment_id, "experiment")
    if run_id is not None:
        run = require(session, Run, run_id, "run")
        if run.experiment_id != experiment_id:
            raise ValueError(f"run {run_id} belongs to experiment {run.experiment_id}")
    experiment.baseline_run_id = run_id
    experiment.updated_at = utcnow()
    session.flush()
    return experiment


def delete_experiment(session: Session, experiment_id: int) -> list[str]:
    """Delete an experiment with its memberships, runs, trials and events.

    Returns:
        The Optuna study names of the deleted runs: Optuna's rows are not ours to cascade,
        so the caller deletes those studies (``optuna.delete_study``) if it wants them gone.
        Attached studies are not among them: their code owns them (one written into this
        database is listed as not attached yet again).

    Raises:
        NotFound: no such experiment.
    """
    experiment = require(session, Experiment, experiment_id, "experiment")
    study_names = [
        name for name, spec in session.execute(
            select(Run.study_name, Run.spec).where(Run.experiment_id == experiment_id))
        if not (isinstance(spec, dict) and spec.get("attached"))
    ]
    # Break the experiments <-> runs cycle first, then let the database cascade.
    experiment.baseline_run_id = None
    session.flush()
    session.delete(experiment)
    session.flush()
    return study_names
