"""The account ``cli`` that owns what the command line creates (nobody can sign in as it),
and the experiments it owns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optunagui.accounts import CLI_USERNAME
from optunagui.cli._runs import CliError
from optunagui.store import (
    create_experiment,
    create_user,
    get_user_by_name,
    list_experiments_for_user,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["CLI_USERNAME", "cli_user", "owned_experiment"]


def cli_user(session: Session) -> int:
    """The account that owns what the command line creates (it cannot sign in)."""
    user = get_user_by_name(session, CLI_USERNAME)
    if user is None:
        # "!" is no password hash at all: nobody can sign in as this account.
        user = create_user(session, CLI_USERNAME, "!")
    return user.id


def owned_experiment(session: Session, name: str, user_id: int) -> int:
    """The experiment of this name the user owns, made when there is none.

    Raises:
        CliError: an empty or too long name.
    """
    for access in list_experiments_for_user(session, user_id):
        if access.experiment.name == name.strip() and access.role == "owner":
            return access.experiment.id
    try:
        return create_experiment(session, name, user_id).id
    except ValueError as error:
        raise CliError(f"--experiment: {error}") from None
