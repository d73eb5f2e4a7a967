"""What requests ask of the app: its state (``dashapp.state``), the database, the current
request's principal, experiment memberships and share-link tokens.

Opening a valid ``/s/<token>`` keeps the link's token in the visitor's session (Flask's signed
cookie). The link is resolved again from it on every request, so a revoked or expired link
stops granting anything at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flask_login
from flask import current_app
from flask import session as flask_session
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
    "experiment_path",
    "forget_share_link",
    "kept_share_token",
    "remember_share_link",
    "resolve_share_token",
    "run_experiment_id",
    "session_share_link",
    "share_token_for_url",
    "state",
]

_SHARE_SALT = "optunagui.share-link"
_SHARE_SESSION_KEY = "share_token"


class _NoExperiment:
    def __repr__(self) -> str:
        return "NO_EXPERIMENT"


NO_EXPERIMENT: Any = _NoExperiment()


def database() -> Database:
    return state().database


def current_principal() -> Principal:
    """Who sends this request: the signed-in user, with the share link of their session if it
    is still valid; a visitor with only a valid link; or the anonymous principal."""
    _status, link = session_share_link()
    via_link: dict[str, Any] = {}
    if link is not None:
        via_link = {"share_link_id": link.id, "share_experiment_id": link.experiment_id}
    user = flask_login.current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return Principal(**via_link) if via_link else ANONYMOUS
    return Principal(user_id=user.user_id, name=user.name, is_admin=user.is_admin, **via_link)


def experiment_path(principal: Principal, experiment_id: int) -> str:
    """Where a page's "Experiment" link leads: the experiment page, or, for a visitor without
    an account who came through this experiment's share link, back to the shared view."""
    token = kept_share_token()
    if not principal.is_user and principal.share_experiment_id == experiment_id and token:
        return f"/s/{token}"
    return f"/experiments/{experiment_id}"


def experiment_member_role(principal: Principal, experiment_id: int) -> Any:
    """The stored membership role of ``principal`` on the experiment, None when they have none,
    or ``NO_EXPERIMENT`` when no such experiment exists."""
    with database().read_session() as session:
        if experiment_store.get_experiment(session, experiment_id) is None:
            return NO_EXPERIMENT
        if principal.user_id is None:
            return None
        return membership_store.get_role(session, experiment_id, principal.user_id)


def run_experiment_id(run_id: int) -> int | None:
    """The experiment a run belongs to, or None for an unknown run."""
    with database().read_session() as session:
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


def remember_share_link(url_token: str) -> None:
    """Keep a share link's token (checked valid by the caller) in this session; one at a time."""
    flask_session[_SHARE_SESSION_KEY] = url_token


def forget_share_link() -> None:
    flask_session.pop(_SHARE_SESSION_KEY, None)


def kept_share_token() -> str | None:
    """The share link's token this session keeps (not checked: see ``session_share_link``)."""
    token = flask_session.get(_SHARE_SESSION_KEY)
    return token if isinstance(token, str) else None


def session_share_link() -> tuple[str, accounts.ShareLinkInfo | None]:
    """The share link kept in this session, resolved now: ("none", None) when there is none,
    else what ``resolve_share_token`` says of it."""
    token = kept_share_token()
    if token is None:
        return "none", None
    return resolve_share_token(token)
