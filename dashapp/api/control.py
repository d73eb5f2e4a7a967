"""`POST /api/v1/runs/<id>/{pause,resume,stop,ranges}`: the run page's controls, for editors.

Pause, resume and stop go through the run page's ``perform``; new ranges are checked with the
run page's ``check_ranges`` and requested with ``request_control``, as the page does.
"""

from __future__ import annotations

from collections.abc import Callable

from dashapp import services
from dashapp.api.registry import Call
from dashapp.api.responses import ApiProblem
from dashapp.api.schemas import ControlAnswer, RangesAnswer
from dashapp.guard import Access
from dashapp.pages.run.controls import perform
from dashapp.pages.run.ranges import check_ranges
from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store import InvalidState, NotFound, get_run, request_control

__all__ = ["adjust_ranges", "pause_run", "resume_run", "stop_run"]

_REFUSED = {"warning", "danger"}


def _access(call: Call) -> Access:
    return Access(principal=call.principal, experiment_id=call.experiment_id, role=call.role,
                  run_id=call.run_id)


def _control(action: str) -> Callable[[Call], ControlAnswer]:
    def control(call: Call) -> ControlAnswer:
        message, colour = perform(_access(call), action)
        if colour in _REFUSED:
            raise ApiProblem(409, f"run {call.run_id}: {message}")
        return ControlAnswer(action=action, message=message)

    control.__name__ = f"{action}_run"
    control.__doc__ = f"Ask the run's driver to {action} (acknowledged within seconds)."
    return control


pause_run = _control("pause")
resume_run = _control("resume")
stop_run = _control("stop")


def _current_fields(raw: object) -> dict[str, object]:
    """What a parameter's range is now; a field the body leaves out keeps its value."""
    current = raw if isinstance(raw, dict) else {}
    return {key: current[key] for key in ("low", "high", "log", "step") if key in current}


def adjust_ranges(call: Call) -> RangesAnswer:
    """New search ranges for the numeric parameters named; trials suggested after the driver
    confirms use them."""
    with services.database().session() as session:
        run = get_run(session, call.run_id)
        if run is None:
            raise ApiProblem(404, f"run {call.run_id}: no such run, or no access to it")
        space = dict(run.current_space or (run.spec or {}).get("space") or {})
        status = run.status
    unknown = sorted(set(call.body.ranges) - set(space))
    edits = {name: {**_current_fields(space.get(name)), **edit.model_dump(exclude_none=True)}
             for name, edit in call.body.ranges.items()}
    check = check_ranges(space, edits)
    problems = [{"field": f"ranges.{name}", "message": f"{name} is not a parameter of this run"}
                for name in unknown]
    problems += [{"field": f"ranges.{name}.{field}", "message": message}
                 for name, fields in check.problems.items() for field, message in fields.items()]
    if problems:
        raise ApiProblem(422, "nothing was changed: fix the ranges named", problems)
    if not check.changed:
        return RangesAnswer(changed=[], message="No range was changed.")
    if status in TERMINAL_RUN_STATUSES:
        raise ApiProblem(409, f"run {call.run_id} has finished ({status}); its ranges can no "
                              "longer change")
    try:
        with services.database().session() as session:
            request_control(session, call.run_id, "ranges", check.space,
                            requested_by=call.user_id)
    except (InvalidState, NotFound, ValueError) as error:
        raise ApiProblem(409, str(error)) from None
    return RangesAnswer(changed=list(check.changed),
                        message=f"New ranges requested for {', '.join(check.changed)}.")
