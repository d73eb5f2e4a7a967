"""Who calls the API: the user of a personal API token, with the roles they hold in the
dashboard (``dashapp.access``). What they may not read is answered 404, like what is missing.
A read-only token is refused every request that changes something (403)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from dashapp import access, services
from dashapp.api.responses import ApiProblem
from dashapp.permissions import Principal, Role
from optunagui.store import Run, accounts, get_run, get_user

__all__ = ["Caller", "api_principal", "authenticate", "owned_experiment",
           "readable_experiment", "readable_run", "role_needed"]


@dataclass(frozen=True)
class Caller:
    principal: Principal
    token_id: int
    may_write: bool


def authenticate(*, writes: bool) -> Caller:
    """Resolve the request's bearer token to its user; refuse a read-only token's writes."""
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
        principal = Principal(user_id=user.id, name=user.username, is_admin=user.is_admin)
    caller = Caller(principal, token.id, token.may_write)
    g.api_principal = principal
    if writes and not caller.may_write:
        raise ApiProblem(403, "This API token is read-only: make a read-write token under "
                              "Account to change anything.")
    return caller


def _principal() -> Principal:
    return g.api_principal


def api_principal() -> Principal:
    """The caller, once `authenticate` has resolved the token."""
    return _principal()


def _missing(what: str, item_id: int) -> ApiProblem:
    return ApiProblem(404, f"{what} {item_id}: no such {what}, or no access to it")


def role_needed(experiment_id: int, role: Role, *, run_id: int | None = None) -> Role:
    """The caller's role on the experiment, when it is at least ``role`` (else 403; 404 when
    they hold none, the same as for a missing id)."""
    held = access.role_on_experiment(_principal(), experiment_id)
    if held is None:
        raise _missing("run", run_id) if run_id is not None else _missing("experiment",
                                                                          experiment_id)
    if held < role:
        raise ApiProblem(403, f"this needs the {role.name} role on experiment {experiment_id};"
                              f" you are a {held.name}")
    return held


def readable_run(run_id: int) -> Run:
    """The run, when the caller holds a role on its experiment."""
    if access.role_on_run(_principal(), run_id) is None:
        raise _missing("run", run_id)
    with services.database().session() as session:
        run = get_run(session, run_id)
    if run is None:
        raise _missing("run", run_id)
    return run


def readable_experiment(experiment_id: int) -> None:
    """Refuse an experiment on which the caller holds no role."""
    role_needed(experiment_id, Role.viewer)


def owned_experiment(experiment_id: int) -> None:
    """Refuse an experiment the caller does not own (admins own every one)."""
    role_needed(experiment_id, Role.owner)
