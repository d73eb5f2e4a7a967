"""What requests ask of the app: its state (``dashapp.state``), the database, the current
request's principal, experiment memberships and share-link tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flask_login
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from dashapp.permissions import ANONYMOUS, Principal
from dashapp.state import state
from optunagui.store import accounts
from optunagui.store import experiments as experiment_store
from optunagui.store import memberships as membership_store
from optunagui.store import runs as run_store

if TYPE_CHECKING:
    from optunagui.store import Database

__all__ = [
    "NO_EXPERIMENT",
    "current_principal",
    "database",
    "experiment_member_role",
    "resolve_share_token",
    "run_experiment_id",
    "share_token_for_url",
    "state",
]

_SHARE_SALT = "optunagui.share-link"


class _NoExperiment:
    def __repr__(self) -> str:
        return "NO_EXPERIMENT"


NO_EXPERIMENT: Any = _NoExperiment()


def database() -> Database:
    return state().database


def current_principal() -> Principal:
    """The signed-in user of this request, or the anonymous principal."""
    user = flask_login.current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    return Principal(user_id=user.user_id, name=user.name, is_admin=user.is_admin)


def experiment_member_role(principal: Principal, experiment_id: int) -> Any:
    """The stored membership role of ``principal`` on the experiment, None when they have none,
    or ``NO_EXPERIMENT`` when no such experiment exists."""
    with database().session() as session:
        if experiment_store.get_experiment(session, experiment_id) is None:
            return NO_EXPERIMENT
        if principal.user_id is None:
            return None
        return membership_store.get_role(session, experiment_id, principal.user_id)


def run_experiment_id(run_id: int) -> int | None:
    """The experiment a run belongs to, or None for an unknown run."""
    with database().session() as session:
        run = run_store.get_run(session, run_id)
        return run.experiment_id if run is not None else None


def _share_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SHARE_SALT)


def share_token_for_url(raw_token: str) -> str:
    """The link token put into ``/s/<token>``: the stored token, signed with the app's key."""
    return _share_serializer().dumps(raw_token)


def resolve_share_token(url_token: Any) -> tuple[str, accounts.ShareLinkInfo | None]:
    """Check a token taken from a share URL.

    Returns:
        ("valid", link) or (status, None) with status "unknown" (tampered, malformed or never
        issued), "expired" or "revoked".
    """
    if not isinstance(url_token, str) or not url_token or len(url_token) > 512:
        return "unknown", None
    try:
        raw_token = _share_serializer().loads(url_token)
    except BadSignature:
        return "unknown", None
    if not isinstance(raw_token, str):
        return "unknown", None
    with database().session() as session:
        resolution = accounts.resolve_share_link(session, raw_token)
    return resolution.status, resolution.link
