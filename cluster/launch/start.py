"""Starting runs: the one way the wizard, replay and the command line start a run's driver.

A queued run whose driver cannot start is marked failed, with ``could not start: <why>`` as
its reason, so it does not wait in the queue for a driver that never comes; a run that was
already under way (resumed) keeps its status. Either way the caller gets the reason and
says it its own way (a page shows it, the command line exits non-zero with it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cluster.launch import submit
from cluster.launch.jobs import SubmitError
from optunagui.status import RunStatus
from optunagui.store import Database, get_run, update_run_status

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["StartResult", "SubmitOne", "start_runs"]

SubmitOne = Callable[[int], "submit.Launch | None"]


@dataclass(frozen=True)
class StartResult:
    """What `start_runs` did.

    Attributes:
        launches: run id -> how its driver was started.
        failures: run id -> why its driver could not be started.
    """

    launches: dict[int, submit.Launch | None] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)


def start_runs(
    run_ids: Sequence[int],
    settings: Settings,
    *,
    db: Database,
    resume: bool = False,
    submit_one: SubmitOne | None = None,
) -> StartResult:
    """Start each run's driver (`cluster.launch.submit.submit_run`), recording failed starts.

    Args:
        db: the caller's Database; the drivers are started and failures recorded through it.
        resume: pass ``--resume`` to the drivers.
        submit_one: starts one run instead of ``submit_run`` with these settings.
    """
    if submit_one is None:

        def submit_one(run_id: int) -> submit.Launch:
            if resume:
                return submit.submit_run(run_id, settings, resume=True, db=db)
            return submit.submit_run(run_id, settings, db=db)

    result = StartResult()
    for run_id in run_ids:
        try:
            result.launches[run_id] = submit_one(run_id)
        except (SubmitError, OSError) as error:
            result.failures[run_id] = str(error) or type(error).__name__
            if not resume:
                _record_failed_start(db, run_id, result.failures[run_id])
    return result


def _record_failed_start(db: Database, run_id: int, message: str) -> None:
    with db.session() as session:
        run = get_run(session, run_id)
        if run is not None and run.status == RunStatus.queued:
            update_run_status(session, run_id, RunStatus.failed,
                              reason=f"could not start: {message}")
