"""Memberships: who may see or change an experiment (owner, editor, viewer)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from optunagui.store._util import require, require_choice
from optunagui.store.errors import InvalidState, NotFound
from optunagui.store.tables import ROLES, Experiment, Membership, User

__all__ = ["Member", "get_role", "list_members", "remove_member", "set_member_role"]


class Member(NamedTuple):
    user_id: int
    username: str
    role: str


def _count_owners(session: Session, experiment_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.experiment_id == experiment_id, Membership.role == "owner")
    ) or 0


def _membership(session: Session, experiment_id: int, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.experiment_id == experiment_id, Membership.user_id == user_id
        )
    )


def set_member_role(session: Session, experiment_id: int, user_id: int, role: str) -> Membership:
    """Add a user to an experiment with a role, or change the role they have.

    Raises:
        ValueError: unknown role.
        NotFound: unknown experiment or user.
        InvalidState: the change would leave the experiment without an owner.
    """
    require_choice(role, ROLES, "role")
    require(session, Experiment, experiment_id, "experiment")
    require(session, User, user_id, "user")
    membership = _membership(session, experiment_id, user_id)
    if membership is None:
        membership = Membership(experiment_id=experiment_id, user_id=user_id, role=role)
        session.add(membership)
    else:
        if membership.role == "owner" and role != "owner":
            if _count_owners(session, experiment_id) <= 1:
                raise InvalidState("an experiment needs at least one owner")
        membership.role = role
    session.flush()
    return membership


def remove_member(session: Session, experiment_id: int, user_id: int) -> None:
    """Take a user off an experiment.

    Raises:
        NotFound: the user is not a member.
        InvalidState: the user is the last owner.
    """
    membership = _membership(session, experiment_id, user_id)
    if membership is None:
        raise NotFound(f"user {user_id!r} is not a member of experiment {experiment_id!r}")
    if membership.role == "owner" and _count_owners(session, experiment_id) <= 1:
        raise InvalidState("the last owner of an experiment cannot be removed")
    session.delete(membership)
    session.flush()


def get_role(session: Session, experiment_id: int, user_id: int) -> str | None:
    """The user's membership role on the experiment, or None (admin rights are not applied)."""
    return session.scalar(
        select(Membership.role).where(
            Membership.experiment_id == experiment_id, Membership.user_id == user_id
        )
    )


def list_members(session: Session, experiment_id: int) -> list[Member]:
    """Members by role (owners first) then username; empty for an unknown experiment."""
    order = {role: index for index, role in enumerate(ROLES)}
    rows = session.execute(
        select(User.id, User.username, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.experiment_id == experiment_id)
    )
    members = [Member(user_id, username, role) for user_id, username, role in rows]
    return sorted(members, key=lambda m: (order[m.role], m.username))
