"""`POST /api/v1/specs/validate` and `POST /api/v1/experiments/<id>/runs`: check a spec, and
launch a run from one, as the wizard does (``validate_spec``, then ``launch_runs``).

A spec sent over the API names a bundled dataset or a registered dataset version; a file on
the server (``dataset.path``) and code of one's own (``objective``) are for admins, as for
attaching server files: the API must not read files or run code that its caller chose.
"""

from __future__ import annotations

from typing import Any

from dashapp import services
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from dashapp.api.schemas import LaunchAnswer, Problem, SpecCheck
from dashapp.permissions import Principal
from optunagui.spec import ExperimentSpec
from optunagui.spec.validation import SpecError, validate_spec

__all__ = ["launch_run", "validate"]

_ADMIN_ONLY = {
    ("dataset", "path"): "a dataset file on the server is for admins; name a builtin dataset "
                         "or a registered dataset version",
    ("objective",): "a run of one's own code is for admins; launch it with `optunagui run` "
                    "where the code lives",
}


def _refusals(raw: dict[str, Any], principal: Principal) -> list[Problem]:
    if principal.is_admin:
        return []
    found = []
    for keys, message in _ADMIN_ONLY.items():
        value: Any = raw
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            found.append(Problem(field="spec." + ".".join(keys), message=message))
    return found


def _checked(raw: dict[str, Any], principal: Principal) -> tuple[ExperimentSpec | None,
                                                                  list[Problem]]:
    problems = _refusals(raw, principal)
    if problems:
        return None, problems
    try:
        return validate_spec(raw), []
    except SpecError as error:
        return None, [Problem(field=f"spec.{p.path}".rstrip("."), message=p.message)
                      for p in error.problems]


def validate(call: Call) -> SpecCheck:
    """Every problem of the spec with its path, or the spec normalised."""
    spec, problems = _checked(call.body.spec, call.principal)
    return SpecCheck(valid=spec is not None, problems=problems,
                     spec=spec.to_dict() if spec is not None else None)


def launch_run(call: Call) -> LaunchAnswer:
    """Create a run from the spec in the experiment and start its driver."""
    spec, problems = _checked(call.body.spec, call.principal)
    if spec is None:
        raise ApiProblem(422, f"the spec has {len(problems)} problem"
                              f"{'s' if len(problems) != 1 else ''}: no run was created",
                         [p.model_dump() for p in problems])
    # The wizard's package is a page: it loads with the pages, after the API.
    from dashapp.pages.new_run.wizard.launch import launch_runs

    experiment_id = call.ids["experiment_id"]
    result = launch_runs(services.database(), services.state().settings, experiment_id,
                         {spec.name: spec}, created_by=call.user_id)
    run_id = result.run_ids[0]
    failure = result.failures.get(run_id)
    return LaunchAnswer(id=run_id, name=spec.name, status="failed" if failure else "queued",
                        url=f"/runs/{run_id}", api=f"{API_PREFIX}/runs/{run_id}",
                        start_error=failure)
