"""Control of a running run: the dashboard writes a request on the run, the driver acts on it.

The driver reads ``Run.control`` at least every ``poll_interval_s`` seconds of the run's
context (`cluster.driver.context.POLL_INTERVAL_S` unless given; from Tune's loop, through
`ControlCallback`) and confirms each request with a ``control`` event and
``Run.control_ack_id``:

- ``stop``: running trials end (their results so far are kept), no new ones; status stopped;
- ``pause``: no new trials; once the running ones finish, Tune saves its state and the driver
  exits with status paused (``--resume`` restores Tune from that state, same study);
- ``ranges``: new ranges for some parameters; written to ``Run.current_space``, which the
  define-by-run space reads at every ask; the event carries the old and new ranges.

A SIGTERM to the driver (`stop_on_sigterm`) is a stop request too. Stop and pause are set on
the run's `RunState`; objects Tune pickles (callbacks, the stopper) hold only the run id and
find the run's live context in `cluster.driver.context`.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from ray.tune import Callback, Stopper

from cluster.driver.context import RunContext, get_context
from optunagui import store
from optunagui.spec import ParamSpec
from optunagui.spec.space import space_from_dict, space_to_dict

__all__ = [
    "ControlCallback",
    "ControlStopper",
    "apply_ranges",
    "handle_request",
    "poll_control",
    "stop_on_sigterm",
]

logger = logging.getLogger(__name__)


def apply_ranges(
    current: Mapping[str, ParamSpec], changes: Mapping[str, Any]
) -> dict[str, ParamSpec]:
    """The space after a ranges request, or ValueError saying why the change is refused.

    Only parameters already in the space can change, and a parameter keeps its type; a
    categorical parameter keeps its choices (Optuna cannot change them within a study).
    """
    if not isinstance(changes, Mapping) or not changes:
        raise ValueError("a ranges request needs a non-empty mapping of parameter -> range")
    updated = dict(current)
    for name, raw in changes.items():
        if name not in current:
            raise ValueError(f"space.{name}: not a parameter of this run")
        old = current[name]
        merged = {**space_to_dict({name: old})[name], **dict(raw)}
        try:
            new = ParamSpec.model_validate(merged)
        except ValidationError as error:
            problems = "; ".join(e["msg"] for e in error.errors())
            raise ValueError(f"space.{name}: {problems}") from None
        if new.type != old.type:
            raise ValueError(f"space.{name}: cannot change type {old.type} -> {new.type} mid-run")
        if new.type == "categorical" and new.choices != old.choices:
            raise ValueError(f"space.{name}: the choices of a categorical cannot change mid-run")
        updated[name] = new
    return updated


class ControlStopper(Stopper):
    """Ends every trial of the experiment once a stop request arrived."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id

    def __call__(self, trial_id: str, result: dict) -> bool:
        return False

    def stop_all(self) -> bool:
        context = get_context(self.run_id)
        return bool(context and context.state.stop_requested)


class ControlCallback(Callback):
    """Polls the run's control request from Tune's loop and acts on it."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id

    def on_step_end(self, iteration: int, trials: list, **info: Any) -> None:
        context = get_context(self.run_id)
        if context is None:
            return
        now = time.monotonic()
        if now - context.last_poll < context.poll_interval_s:
            return
        context.last_poll = now
        poll_control(context)


def poll_control(context: RunContext) -> dict[str, Any] | None:
    """Read the run's request; act on it and acknowledge it if it is new.

    Returns:
        The control event written, or None when there was nothing new.
    """
    with context.db.session() as session:
        request = store.get_pending_control(session, context.run_id)
        if request is None:
            return None
        run = store.get_run(session, context.run_id)
        old_space = dict(run.current_space or {}) if run is not None else {}
        event = handle_request(context, old_space, request)
        store.acknowledge_control(session, context.run_id, str(request["id"]), record_event=False)
        # acknowledge_control takes a ranges payload as the whole new space; the merged
        # (or, when refused, the unchanged) space is what the run searches.
        if request.get("kind") == "ranges":
            store.set_current_space(session, context.run_id, event.pop("space"))
        store.append_events(session, context.run_id, [event])
    context.handled.append(event)
    logger.info("run %s: control %s", context.run_id, event["metrics"])
    return event


def handle_request(
    context: RunContext, current_space: Mapping[str, Any], request: Mapping[str, Any]
) -> dict[str, Any]:
    """Act on one request; returns the control event confirming (or refusing) it.

    For a ranges request the event also has ``space``: the space the run searches from now.
    """
    kind = request.get("kind")
    payload = request.get("payload") or {}
    detail: dict[str, Any] = {"request_id": request.get("id"), "kind": kind,
                              "requested_by": request.get("requested_by")}
    searcher = context.searcher
    space: dict[str, Any] | None = None
    if kind == "ranges":
        current = space_from_dict(current_space)
        changes = payload.get("space", payload)
        space = dict(current_space)
        try:
            updated = apply_ranges(current, changes)
        except ValueError as error:
            detail.update(status="refused", error=str(error))
        else:
            names = sorted(changes)
            detail.update(
                status="applied",
                old=space_to_dict({n: current[n] for n in names}),
                new=space_to_dict({n: updated[n] for n in names}),
            )
            space = space_to_dict(updated)
    elif kind == "stop" and searcher is not None:
        context.state.stop_requested = True
        detail["status"] = "stopping"
    elif kind == "pause" and searcher is not None:
        context.state.pause_requested = True
        detail["status"] = "pausing"
    else:
        detail.update(status="ignored", error=f"nothing to do for {kind!r} while running")
    event: dict[str, Any] = {"kind": "control", "metrics": detail}
    if space is not None:
        event["space"] = space
    return event


def stop_on_sigterm(context: RunContext) -> Any:
    """SIGTERM (e.g. `optunagui stop` on a local driver) ends the run as a stop request.

    Returns:
        The handler it replaced (to put back when the run ends), or None off the main thread.
    """

    def request_stop(signum: int, frame: Any) -> None:
        if context.searcher is not None:
            context.state.stop_requested = True

    try:
        return signal.signal(signal.SIGTERM, request_stop)
    except ValueError:  # not the main thread
        return None
