"""What the team pages read and write, as light rows, on top of the store's repositories.

Callers have already checked the principal's rights (see ``dashapp.guard``); these functions
take the checked ids. Writes return a message a person can act on when they cannot be done.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import optuna
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.code_runs import code_objective
from dashapp.permissions import Principal
from optunagui.accounts import Role
from optunagui.store import experiments as experiment_store
from optunagui.store import memberships as membership_store
from optunagui.store import users as user_store
from optunagui.store.errors import Conflict, InvalidState, NotFound
from optunagui.store.tables import Run, Trial, User

__all__ = [
    "MAX_EXPERIMENT_NAME",
    "ExperimentHeader",
    "ExperimentRow",
    "MemberRow",
    "RunRow",
    "UserRow",
    "change_user",
    "check_name",
    "create_experiment",
    "create_user",
    "delete_experiment",
    "delete_studies",
    "get_experiment_header",
    "list_experiment_rows",
    "list_member_rows",
    "list_run_rows",
    "list_user_rows",
    "remove_member",
    "rename_experiment",
    "set_member",
]

MAX_EXPERIMENT_NAME = experiment_store.MAX_EXPERIMENT_NAME_LENGTH


@dataclass(frozen=True)
class ExperimentRow:
    id: int
    name: str
    role: str | None
    n_runs: int
    last_status: str | None
    bests: tuple[tuple[str, float], ...]  # (metric, best value) per metric, latest run's first
    updated_at: datetime | None


@dataclass(frozen=True)
class ExperimentHeader:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class RunRow:
    id: int
    name: str
    status: str
    best_value: float | None
    trials_complete: int
    trials_pruned: int
    trials_failed: int
    started_by: str | None
    started_at: datetime | None
    created_at: datetime | None
    quick: bool = False
    entry: str | None = None  # a run of the user's own code: its entry point
    attached: bool = False  # an attached study, run by its own code
    metric: str | None = None  # what best_value measures


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    username: str
    role: str
    is_active: bool


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    is_admin: bool
    is_active: bool
    created_at: datetime | None


def check_name(value: Any, what: str, max_length: int) -> str | None:
    """A message when ``value`` is not a usable name, else None."""
    if not isinstance(value, str) or not value.strip():
        return f"{what} needs a name."
    if len(value.strip()) > max_length:
        return f"{what} name can be at most {max_length} characters."
    return None


def _bests(runs: list[Run]) -> tuple[tuple[str, float], ...]:
    """The best value of each primary metric the runs optimised (each by its own direction),
    the newest run's metric first: values of different metrics never meet."""
    found: dict[str, float] = {}
    for run in reversed(runs):
        metric = _primary_metric(run)
        if metric is None or run.best_value is None:
            continue
        name, direction = metric
        held = found.get(name)
        better = min if direction == "minimize" else max
        found[name] = run.best_value if held is None else better(held, run.best_value)
    return tuple(found.items())


def list_experiment_rows(
    session: Session, principal: Principal, *, search: str = ""
) -> list[ExperimentRow]:
    """The experiments ``principal`` may open, with role, run count, last run and best value."""
    if principal.user_id is None:
        return []
    visible = experiment_store.list_experiments_for_user(session, principal.user_id)
    needle = search.strip().lower()
    if needle:
        visible = [item for item in visible if needle in item.experiment.name.lower()]
    ids = [item.experiment.id for item in visible]
    runs_by_experiment: dict[int, list[Run]] = defaultdict(list)
    if ids:
        for run in session.scalars(
            select(Run).where(Run.experiment_id.in_(ids)).order_by(Run.created_at, Run.id)
        ):
            runs_by_experiment[run.experiment_id].append(run)
    rows = []
    for item in visible:
        runs = runs_by_experiment[item.experiment.id]
        rows.append(
            ExperimentRow(
                id=item.experiment.id,
                name=item.experiment.name,
                role=item.role or ("owner" if principal.is_admin else None),
                n_runs=len(runs),
                last_status=runs[-1].status if runs else None,
                bests=_bests(runs),
                updated_at=item.experiment.updated_at,
            )
        )
    return rows


def _primary_metric(run: Run) -> tuple[str, str] | None:
    """The run's first metric and its direction, as its stored spec says."""
    spec = run.spec if isinstance(run.spec, dict) else {}
    metrics = spec.get("metrics") or []
    first = metrics[0] if metrics and isinstance(metrics[0], dict) else {}
    name, direction = first.get("name"), first.get("direction")
    if not isinstance(name, str):
        return None
    return name, direction if direction in ("minimize", "maximize") else "maximize"


def get_experiment_header(session: Session, experiment_id: int) -> ExperimentHeader | None:
    experiment = experiment_store.get_experiment(session, experiment_id)
    if experiment is None:
        return None
    return ExperimentHeader(experiment.id, experiment.name, experiment.description or "")


def list_run_rows(session: Session, experiment_id: int) -> list[RunRow]:
    """The experiment's runs, newest first, with trial counts by state."""
    runs = list(
        session.scalars(
            select(Run)
            .where(Run.experiment_id == experiment_id)
            .order_by(Run.created_at.desc(), Run.id.desc())
        )
    )
    if not runs:
        return []
    counts: dict[tuple[int, str], int] = {}
    for run_id, state, count in session.execute(
        select(Trial.run_id, Trial.state, func.count())
        .where(Trial.run_id.in_([run.id for run in runs]))
        .group_by(Trial.run_id, Trial.state)
    ):
        counts[(run_id, state)] = count
    author_ids = {run.created_by for run in runs if run.created_by is not None}
    authors = {
        user_id: username
        for user_id, username in session.execute(
            select(User.id, User.username).where(User.id.in_(author_ids))
        )
    }
    return [
        RunRow(
            id=run.id,
            name=run.name,
            status=run.status,
            best_value=run.best_value,
            trials_complete=counts.get((run.id, "complete"), 0),
            trials_pruned=counts.get((run.id, "pruned"), 0),
            trials_failed=counts.get((run.id, "failed"), 0),
            started_by=authors.get(run.created_by) if run.created_by is not None else None,
            started_at=run.started_at,
            created_at=run.created_at,
            quick=bool((run.spec or {}).get("quick")),
            entry=_entry(run.spec),
            attached=isinstance((run.spec or {}).get("attached"), dict),
            metric=(_primary_metric(run) or (None, None))[0],
        )
        for run in runs
    ]


def _entry(spec: Any) -> str | None:
    objective = code_objective(spec)
    return objective.function if objective is not None else None


def list_member_rows(session: Session, experiment_id: int) -> list[MemberRow]:
    members = membership_store.list_members(session, experiment_id)
    active = {
        user_id: is_active
        for user_id, is_active in session.execute(
            select(User.id, User.is_active).where(User.id.in_([m.user_id for m in members]))
        )
    }
    return [
        MemberRow(m.user_id, m.username, m.role, bool(active.get(m.user_id, False)))
        for m in members
    ]


def create_experiment(session: Session, name: str, principal: Principal) -> int:
    assert principal.user_id is not None
    return experiment_store.create_experiment(session, name.strip(), principal.user_id).id


def rename_experiment(session: Session, experiment_id: int, name: str) -> None:
    experiment_store.rename_experiment(session, experiment_id, name.strip())


def delete_experiment(session: Session, experiment_id: int) -> list[str]:
    """Delete the experiment; returns the Optuna study names of its runs."""
    return experiment_store.delete_experiment(session, experiment_id)


def delete_studies(database: Any, study_names: list[str]) -> None:
    """Remove the Optuna studies of deleted runs (those never started have none)."""
    if not study_names:
        return
    storage = database.optuna_storage()
    for name in study_names:
        try:
            optuna.delete_study(study_name=name, storage=storage)
        except KeyError:
            continue


def set_member(session: Session, experiment_id: int, username: str, role: Role) -> str | None:
    user = user_store.get_user_by_name(session, username.strip())
    if user is None or not user.is_active:
        # One message for both, so that adding members tells nobody which names exist.
        return f"No active user is named {username.strip()!r}."
    try:
        membership_store.set_member_role(session, experiment_id, user.id, role.name)
    except InvalidState:
        return "An experiment needs at least one owner."
    return None


def remove_member(session: Session, experiment_id: int, user_id: int) -> str | None:
    try:
        membership_store.remove_member(session, experiment_id, user_id)
    except NotFound:
        return "That user is not a member."
    except InvalidState:
        return "The last owner cannot be removed."
    return None


def list_user_rows(session: Session) -> list[UserRow]:
    return [
        UserRow(u.id, u.username, bool(u.is_admin), bool(u.is_active), u.created_at)
        for u in user_store.list_users(session)
    ]


def create_user(session: Session, username: str, password_hash: str, is_admin: bool) -> str | None:
    try:
        user_store.create_user(session, username.strip(), password_hash, is_admin=is_admin)
    except Conflict:
        return f"The user name {username.strip()!r} is taken."
    except ValueError as error:
        return str(error).capitalize() + "."
    return None


def change_user(session: Session, user_id: int, action: str) -> str | None:
    """Apply an admin action: disable, enable, make-admin, remove-admin."""
    user = session.get(User, user_id)
    if user is None:
        return "No such user."
    if action in ("disable", "enable"):
        user_store.set_user_active(session, user_id, action == "enable")
    elif action in ("make-admin", "remove-admin"):
        user.is_admin = action == "make-admin"
        session.flush()
    else:
        return "Unknown action."
    return None
