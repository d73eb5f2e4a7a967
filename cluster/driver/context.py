"""The live context of one run inside its driver process, found by run id.

Tune pickles its callbacks, the stopper and the searcher, so those hold only the run id and
find the run's database, searcher, event buffer and requests here (`get_context`). The
driver registers the context before Tune starts and removes it when the run ends.

`RunState` is the one owner of what the run was asked to do: control sets it (a stop or
pause request, SIGTERM), the searcher and the event sink read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from optunagui.store import Database

__all__ = [
    "POLL_INTERVAL_S",
    "EventBuffer",
    "RunContext",
    "RunState",
    "TrialSearch",
    "get_context",
    "register_context",
    "unregister_context",
]

POLL_INTERVAL_S = 1.0


@dataclass
class RunState:
    """What the run was asked to do while it runs."""

    stop_requested: bool = False
    pause_requested: bool = False


class TrialSearch(Protocol):
    """What the event sink asks of the run's searcher (`cluster.driver.search.RunSearch`)."""

    @property
    def pruner_name(self) -> str: ...

    @property
    def metric(self) -> str | list[str]: ...

    def is_open(self, trial_id: str) -> bool: ...

    def warm_start_index(self, trial_id: str) -> int | None: ...

    def on_trial_complete(
        self, trial_id: str, result: dict | None = None, error: bool = False
    ) -> None: ...


class EventBuffer(Protocol):
    """The run's event sink (`cluster.driver.events.EventSink`), as far as the driver needs it."""

    def flush(self) -> bool: ...


@dataclass
class RunContext:
    """The live state of one run inside its driver process."""

    run_id: int
    db: Database
    state: RunState = field(default_factory=RunState)
    searcher: TrialSearch | None = None
    sink: EventBuffer | None = None
    poll_interval_s: float = POLL_INTERVAL_S
    last_poll: float = 0.0
    handled: list[dict[str, Any]] = field(default_factory=list)


_CONTEXTS: dict[int, RunContext] = {}


def register_context(context: RunContext) -> RunContext:
    _CONTEXTS[context.run_id] = context
    return context


def unregister_context(run_id: int) -> None:
    _CONTEXTS.pop(run_id, None)


def get_context(run_id: int) -> RunContext | None:
    return _CONTEXTS.get(run_id)
