"""Control requests: the dashboard writes one to the run's row, the driver reads and confirms.

Only the latest request is kept: a stop written after an unconfirmed pause replaces it.
Status changes stay with the driver (``update_run_status``), once it has acted.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store._types import utcnow
from optunagui.store._util import require, require_choice
from optunagui.store.errors import InvalidState, NotFound
from optunagui.store.events import append_events
from optunagui.store.tables import CONTROL_KINDS, Run

__all__ = ["acknowledge_control", "get_pending_control", "request_control", "set_current_space"]


def request_control(
    session: Session,
    run_id: int,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    requested_by: int | None = None,
) -> dict[str, Any]:
    """Ask a run's driver to pause, resume, stop, or use new search ranges.

    Args:
        kind: pause | resume | stop | ranges.
        payload: for "ranges", the new space (``{param: ParamSpec dict}``); else optional.

    Returns:
        The request: ``{id, kind, payload, requested_by, requested_at}`` (id: 32 hex chars).

    Raises:
        ValueError: unknown kind, or "ranges" without a payload.
        NotFound: no such run.
        InvalidState: the run has finished, or is an attached study (no driver of ours).
    """
    require_choice(kind, CONTROL_KINDS, "control kind")
    if kind == "ranges" and not payload:
        raise ValueError("a ranges request needs the new space as its payload")
    run = require(session, Run, run_id, "run")
    if isinstance(run.spec, Mapping) and run.spec.get("attached"):
        raise InvalidState(f"run {run_id} is an attached study, run by its own code: pause, "
                           "stop and ranges belong to that code, not to the product")
    if run.status in TERMINAL_RUN_STATUSES:
        raise InvalidState(f"run {run_id} has finished ({run.status}); it takes no requests")
    request = {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "payload": dict(payload) if payload is not None else None,
        "requested_by": requested_by,
        "requested_at": utcnow().isoformat(),
    }
    run.control = request
    session.flush()
    return request


def get_pending_control(session: Session, run_id: int) -> dict[str, Any] | None:
    """The latest request the driver has not confirmed yet, or None (also for unknown runs)."""
    run = session.get(Run, run_id)
    if run is None or run.control is None or run.control.get("id") == run.control_ack_id:
        return None
    return dict(run.control)


def acknowledge_control(
    session: Session, run_id: int, request_id: str, *, record_event: bool = True
) -> dict[str, Any]:
    """Confirm that the driver has applied a request.

    A "ranges" request becomes the run's current space. With `record_event`, a "control"
    event ``{request_id, kind, payload}`` is appended for the live views.

    Raises:
        NotFound: no such run, or `request_id` is not the run's latest request.
    """
    run = require(session, Run, run_id, "run")
    request = run.control
    if request is None or request.get("id") != request_id:
        raise NotFound(f"run {run_id} has no control request {request_id!r}")
    if run.control_ack_id == request_id:
        return dict(request)
    run.control_ack_id = request_id
    if request["kind"] == "ranges":
        run.current_space = dict(request["payload"])
    session.flush()
    if record_event:
        metrics = {"request_id": request_id, "kind": request["kind"], "payload": request["payload"]}
        append_events(session, run_id, [{"kind": "control", "metrics": metrics}])
    return dict(request)


def set_current_space(session: Session, run_id: int, space: Mapping[str, Any]) -> Run:
    """Replace the run's live search ranges directly (the driver, at start-up).

    Raises:
        NotFound: no such run.
    """
    run = require(session, Run, run_id, "run")
    if not isinstance(space, Mapping):
        raise TypeError("a search space is a mapping of parameter name to its range")
    run.current_space = dict(space)
    session.flush()
    return run


