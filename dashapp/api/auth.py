"""Who calls the API: the user of a personal API token, with the roles they hold in the
dashboard (``dashapp.access``). What they may not read is answered 404, like what is missing."""

from __future__ import annotations

from flask import g, request

from dashapp import access, services
from dashapp.api.responses import ApiProblem
from dashapp.permissions import Principal, Role
from optunagui.store import Run, accounts, get_run, get_user

__all__ = ["api_principal", "authenticate", "owned_experiment", "readable_experiment",
           "readable_run"]


def authenticate() -> None:
    """Resolve the request's bearer token to its user (run before every API request)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiProblem(401, "Send a personal API token: 'Authorization: Bearer <token>' "
                              "(create one under Account).")
    with services.database().session() as session:
        token = accounts.resolve_api_token(session, raw.strip())
        user = get_user(session, token.user_id) if token is not None else None
        if token is None or user is None:
            raise ApiProblem(401, "The API token is unknown, expired or revoked.")
        g.api_principal = Principal(user_id=user.id, name=user.username,
                                    is_admin=user.is_admin)


def _principal() -> Principal:
    return g.api_principal


def api_principal() -> Principal:
    """The caller, once `authenticate` has resolved the token."""
    return _principal()


def readable_run(run_id: int) -> Run:
    """The run, when the caller holds a role on its experiment."""
    if access.role_on_run(_principal(), run_id) is None:
        raise ApiProblem(404, f"run {run_id}: no such run, or no access to it")
    with services.database().session() as session:
        run = get_run(session, run_id)
    if run is None:
        raise ApiProblem(404, f"run {run_id}: no such run, or no access to it")
    return run


def readable_experiment(experiment_id: int) -> None:
    """Refuse an experiment on which the caller holds no role."""
    if access.role_on_experiment(_principal(), experiment_id) is None:
        raise ApiProblem(404, f"experiment {experiment_id}: no such experiment, or no access "
                              "to it")


def owned_experiment(experiment_id: int) -> None:
    """Refuse an experiment the caller does not own (admins own every one)."""
    role = access.role_on_experiment(_principal(), experiment_id)
    if role is None:
        raise ApiProblem(404, f"experiment {experiment_id}: no such experiment, or no access "
                              "to it")
    if role < Role.owner:
        raise ApiProblem(403, f"experiment {experiment_id}: only its owners can do this")
