"""The one rule for what a principal may do on an experiment, and on the runs in it.

The callback guard, the REST API and every page that lists runs of several experiments (the
compare page, its baselines) ask here. A run or an experiment that does not exist and one the
principal may not read get the same answer (None), so no caller can tell them apart.

A share link adds one thing: the viewer role on the experiment it names (and so on that
experiment's runs). It never lowers what the visitor's own account holds, and reaches no other
experiment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from dashapp import services
from dashapp.permissions import Principal, Role, effective_role

__all__ = [
    "RunAccess",
    "experiment_of_run",
    "may_read_run",
    "may_read_source",
    "readable_runs",
    "role_on_experiment",
    "role_on_run",
    "without_link",
]


def without_link(principal: Principal) -> Principal:
    """The same party with no share link: what their account alone may do."""
    return replace(principal, share_link_id=None, share_experiment_id=None)


def role_on_experiment(principal: Principal, experiment_id: int) -> Role | None:
    """The role ``principal`` holds on the experiment; None when it has none or there is no
    such experiment."""
    member_role = services.experiment_member_role(principal, experiment_id)
    if member_role is services.NO_EXPERIMENT:
        return None
    own = None
    if principal.is_user:
        own = effective_role(without_link(principal), experiment_id, member_role)
    if own is None and principal.is_share and principal.share_experiment_id == experiment_id:
        return Role.viewer  # the lowest role: a link adds it where the account holds none
    return own


def experiment_of_run(run_id: int) -> int | None:
    """The experiment a run belongs to, or None for an unknown run."""
    return services.run_experiment_id(run_id)


@dataclass(frozen=True)
class RunAccess:
    run_id: int
    experiment_id: int
    role: Role


def role_on_run(principal: Principal, run_id: int) -> RunAccess | None:
    """The run's experiment and the role ``principal`` holds there; None when it holds none or
    there is no such run."""
    experiment_id = experiment_of_run(run_id)
    if experiment_id is None:
        return None
    role = role_on_experiment(principal, experiment_id)
    if role is None:
        return None
    return RunAccess(run_id, experiment_id, role)


def may_read_run(principal: Principal, run_id: int) -> bool:
    """Whether ``principal`` holds at least the viewer role on the run's experiment."""
    found = role_on_run(principal, run_id)
    return found is not None and found.role >= Role.viewer


def may_read_source(principal: Principal, run_id: int) -> bool:
    """Whether ``principal`` may read the source files of a code run: members of the run's
    experiment (viewer and up) and admins. A share link never grants it (to a visitor or to a
    signed-in user who opened one); it shows a code version's hash, entry point and file list,
    not what the files say."""
    if not principal.is_user:
        return False
    return may_read_run(without_link(principal), run_id)


def readable_runs(principal: Principal, run_ids: Iterable[int]
                  ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``run_ids`` split into (readable, refused), each in the given order, duplicates once."""
    readable: list[int] = []
    refused: list[int] = []
    for run_id in dict.fromkeys(run_ids):
        (readable if may_read_run(principal, run_id) else refused).append(run_id)
    return tuple(readable), tuple(refused)
