"""Every Dash callback declares what it checks, and the check runs before the callback does.

A callback is a public HTTP endpoint (``POST /_dash-update-component``): whatever ids its
inputs and states carry come from the browser and may have been edited. ``guarded_callback``
registers a callback together with a :class:`Requirement`; the wrapper resolves who is asking,
checks their role on the experiment named by the declared argument, and only then calls the
function, handing it the checked :class:`Access` (the experiment id it carries is the one that
was checked). Each callback is registered under a name unique in the app (its function's name
by default), so the permission table in the tests finds it by that name; a test enumerates
``app.callback_map`` and fails on any callback without a requirement or without a row.

A share link kept in the visitor's session (``dashapp.services``) counts only where a reader
of its experiment's runs is asked for: ``run(Role.viewer, ...)`` on a run of that experiment,
and ``reader()`` (pages that check each run on their own, like the compare page). Every other
requirement needs an account; the experiment page's callbacks count the account alone, so a
link opens no member list, data, notes or settings of the experiment (the shared view at
``/s/<token>`` is its page for visitors).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash.exceptions import PreventUpdate

from dashapp import access, services
from dashapp.permissions import Principal, Role, parse_id

__all__ = [
    "Access",
    "Check",
    "Denial",
    "Requirement",
    "admin",
    "authorize",
    "callback_name_of",
    "experiment",
    "guarded_callback",
    "reader",
    "requirement_of",
    "run",
    "share_link",
    "signed_in",
]

GUARD_ATTRIBUTE = "__optunagui_guard__"
NAME_ATTRIBUTE = "__optunagui_callback_name__"


class Check(enum.Enum):
    signed_in = "signed-in user"
    admin = "admin"
    experiment = "role on experiment"
    run = "role on the run's experiment"
    share_link = "valid share link"
    reader = "signed-in user or share-link visitor"


# What a share link alone may pass (for ``Check.run``, the viewer role on its experiment only).
_LINK_CHECKS = frozenset({Check.run, Check.reader})


@dataclass(frozen=True)
class Requirement:
    """What a callback checks before it runs.

    Attributes:
        check: the kind of check.
        role: the least role needed on the experiment (``Check.experiment`` only).
        source: the callback argument carrying the experiment id or the share token.
    """

    check: Check
    role: Role | None = None
    source: str | None = None

    def describe(self) -> str:
        if self.check is Check.experiment and self.role is not None:
            return f"{self.role.name} on experiment from `{self.source}`"
        if self.check is Check.run and self.role is not None:
            return f"{self.role.name} on the experiment of the run from `{self.source}`"
        if self.check is Check.share_link:
            return f"valid share link from `{self.source}`"
        return self.check.value


def signed_in() -> Requirement:
    return Requirement(Check.signed_in)


def admin() -> Requirement:
    return Requirement(Check.admin)


def reader() -> Requirement:
    """A signed-in user, or a visitor holding a valid share link; the callback checks every
    run it shows through ``dashapp.access`` itself."""
    return Requirement(Check.reader)


def experiment(role: Role, source: str) -> Requirement:
    return Requirement(Check.experiment, role=role, source=source)


def run(role: Role, source: str) -> Requirement:
    """The user's role on the experiment that the run (id in argument ``source``) belongs to."""
    return Requirement(Check.run, role=role, source=source)


def share_link(source: str) -> Requirement:
    return Requirement(Check.share_link, source=source)


@dataclass(frozen=True)
class Access:
    """What the check established: who asks, and (if any) the experiment and their role on it."""

    principal: Principal
    experiment_id: int | None = None
    role: Role | None = None
    run_id: int | None = None

    def holds(self, role: Role) -> bool:
        """Whether the checked role is at least ``role`` (never for a check without one)."""
        return self.role is not None and self.role >= role


@dataclass(frozen=True)
class Denial:
    """Why a request was refused: signed-out, forbidden, not-found, expired, revoked, unknown."""

    reason: str


def authorize(requirement: Requirement, values: dict[str, Any]) -> Access | Denial:
    """Run ``requirement`` against the current request and the callback's argument values."""
    if requirement.check is Check.share_link:
        return _authorize_share(values.get(requirement.source or ""))
    principal = services.current_principal()
    if requirement.check is Check.experiment:
        principal = access.without_link(principal)
    if not principal.is_user and not (principal.is_share and requirement.check in _LINK_CHECKS):
        return Denial("signed-out")
    if requirement.check in (Check.signed_in, Check.reader):
        return Access(principal)
    if requirement.check is Check.admin:
        return Access(principal) if principal.is_admin else Denial("forbidden")
    target_id = parse_id(values.get(requirement.source or ""))
    if target_id is None:
        return Denial("not-found")
    run_id = None
    if requirement.check is Check.run:
        found = access.role_on_run(principal, target_id)
        if found is None:
            return Denial("not-found")
        run_id, experiment_id, role = found.run_id, found.experiment_id, found.role
    else:
        experiment_id = target_id
        held = access.role_on_experiment(principal, experiment_id)
        if held is None:
            return Denial("not-found")
        role = held
    if requirement.role is not None and role < requirement.role:
        return Denial("forbidden")
    return Access(principal, experiment_id=experiment_id, role=role, run_id=run_id)


def _authorize_share(token: Any) -> Access | Denial:
    status, link = services.resolve_share_token(token)
    if status != "valid" or link is None:
        return Denial(status)
    principal = Principal(share_link_id=link.id, share_experiment_id=link.experiment_id)
    return Access(principal, experiment_id=link.experiment_id, role=Role.viewer)


def _guard_attribute(callback: Callable[..., Any] | None, attribute: str,
                     kind: type) -> Any:
    seen = 0
    while callback is not None and seen < 20:
        found = getattr(callback, attribute, None)
        if isinstance(found, kind):
            return found
        callback = getattr(callback, "__wrapped__", None)
        seen += 1
    return None


def requirement_of(callback: Callable[..., Any]) -> Requirement | None:
    """The requirement a registered callback function declares, following Dash's wrappers."""
    return _guard_attribute(callback, GUARD_ATTRIBUTE, Requirement)


def callback_name_of(callback: Callable[..., Any]) -> str | None:
    """The name a callback was registered under, following Dash's wrappers."""
    return _guard_attribute(callback, NAME_ATTRIBUTE, str)


def _registered_names(app: Any) -> set[str]:
    names = (callback_name_of(entry["callback"])
             for entry in app.callback_map.values() if "callback" in entry)
    return {name for name in names if name is not None}


def guarded_callback(
    app: Any,
    *,
    requires: Requirement,
    output: Any,
    inputs: dict[str, Any],
    state: dict[str, Any] | None = None,
    on_denied: Callable[[Denial], Any] | None = None,
    name: str | None = None,
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a Dash callback that runs only when ``requires`` holds.

    Inputs and states are named (dict form), so the checked argument is found by name.
    The decorated function is called as ``func(access, **values)``. When the check fails,
    ``on_denied(denial)`` gives the outputs (a message without any data), or, without it, the
    request gets no update at all. ``name`` (default: the function's name) must be unique in
    the app; a function registered for several pages passes one name per registration.
    """
    names = set(inputs) | set(state or {})
    if requires.source is not None and requires.source not in names:
        raise ValueError(f"`{requires.source}` is not an input or state of this callback")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        callback_name = name or func.__name__
        if callback_name in _registered_names(app):
            raise ValueError(f"a callback named `{callback_name}` is already registered")

        @functools.wraps(func)
        def run_checked(**values: Any) -> Any:
            outcome = authorize(requires, values)
            if isinstance(outcome, Denial):
                if on_denied is None:
                    raise PreventUpdate
                return on_denied(outcome)
            return func(outcome, **values)

        setattr(run_checked, GUARD_ATTRIBUTE, requires)
        setattr(run_checked, NAME_ATTRIBUTE, callback_name)
        app.callback(output=output, inputs=inputs, state=state or {}, **kwargs)(run_checked)
        return func

    return decorate
