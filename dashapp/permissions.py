"""Who is asking, and what they may do on an experiment.

Every Flask route and every Dash callback goes through these checks on the server; the layout
hiding a button is never the check. The roles themselves are the core's
(``optunagui.accounts.Role``); ``dashapp.access`` looks up the role a principal holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from optunagui.accounts import Role

__all__ = [
    "ANONYMOUS",
    "MAX_ID",
    "Principal",
    "Role",
    "effective_role",
    "parse_id",
]

MAX_ID = 2**31 - 1  # ids are 32-bit integers in every backend (PostgreSQL refuses larger ones)
_ID_PATTERN = re.compile(r"[1-9][0-9]{0,9}")


@dataclass(frozen=True)
class Principal:
    """The party behind a request: a signed-in user, or a share-link visitor."""

    user_id: int | None = None
    name: str | None = None
    is_admin: bool = False
    share_link_id: int | None = None
    share_experiment_id: int | None = None

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def is_share(self) -> bool:
        return self.share_link_id is not None


ANONYMOUS = Principal()


def effective_role(principal: Principal, experiment_id: int, member_role: Any) -> Role | None:
    """The role ``principal`` holds on the experiment.

    Args:
        principal: who asks.
        experiment_id: the experiment touched.
        member_role: the membership role stored for the user on that experiment (or None).

    Returns:
        Admins act as owners of every experiment; a share-link visitor is a viewer of the
        one experiment its link names and of nothing else; anyone else holds their membership.
    """
    if principal.is_share:
        if principal.share_experiment_id == experiment_id:
            return Role.viewer
        return None
    if not principal.is_user:
        return None
    if principal.is_admin:
        return Role.owner
    return Role.parse(getattr(member_role, "value", member_role))


def parse_id(value: Any) -> int | None:
    """A positive database id from a URL part or a callback value, or None when it is not one.

    Accepts ints and strings of digits only (no signs, spaces, floats or booleans), so a value
    a browser sends can never reach a query as anything but a plain positive integer, and
    none above ``MAX_ID``, which no row has and which PostgreSQL refuses as a parameter.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _ID_PATTERN.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None
