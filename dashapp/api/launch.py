"""`POST /api/v1/specs/validate` and `POST /api/v1/experiments/<id>/runs`: check a spec, and
launch a run from one, as the wizard does (``validate_spec``, then ``launch_runs``).

A spec sent over the API names a bundled dataset, or the launch names an uploaded dataset
version (``dataset_version_id``) the caller may use; a file on the server (``dataset.path``)
and code of one's own (``objective``) are for admins, as for attaching server files: the API
must not read files or run code that its caller chose.

A spec that nearly duplicates an earlier run the caller may read (same dataset version, model,
split and metric, most of the search space: ``optunagui.recommend.near_duplicates``) is
answered 409 with each such run as a problem of ``launch_anyway``, and no run is created,
unless the body says ``"launch_anyway": true``.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dashapp import access, services
from dashapp.api import schemas
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from dashapp.api.schemas import LaunchAnswer, Problem, SpecCheck
from dashapp.paths import app_path
from dashapp.permissions import Principal
from optunagui.spec import ExperimentSpec
from optunagui.spec.validation import SpecError, validate_spec

__all__ = ["LaunchBody", "launch_run", "validate"]


class LaunchBody(schemas.LaunchBody):
    """The launch body with its near-duplicate switch."""

    launch_anyway: bool = Field(
        default=False, description="launch even when the spec nearly duplicates an earlier "
                                   "run you may read (else 409, naming those runs)")

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


def _checked(raw: dict[str, Any], principal: Principal, *, on_upload: bool = False
             ) -> tuple[ExperimentSpec | None, list[Problem]]:
    problems = [] if on_upload else _refusals(raw, principal)
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


def builtin_spec(call: Call, what: str) -> ExperimentSpec:
    """The body's spec, checked as `validate` does, for ``what`` only a built-in model has
    ("suggestions", "similar runs"); 422 with every problem otherwise."""
    check = validate(call)
    if check.spec is None:
        raise ApiProblem(422, f"the spec has {len(check.problems)} problem"
                              f"{'s' if len(check.problems) != 1 else ''}",
                         [p.model_dump() for p in check.problems])
    spec = ExperimentSpec.model_validate(check.spec)
    if spec.model is None:
        message = f"{what} are for runs of a built-in model"
        raise ApiProblem(422, f"spec.model: {message}",
                         [{"field": "spec.model", "message": message}])
    return spec


def _on_version(call: Call) -> dict[str, Any]:
    """The spec with its dataset replaced by the uploaded version it asks for, when the caller
    may use that version in this experiment (``accessible_version``, as in the wizard)."""
    from dashapp.pages.new_run.wizard.upload import accessible_version

    raw = dict(call.body.spec)
    with services.database().session() as session:
        version = accessible_version(session, call.body.dataset_version_id,
                                     user_id=call.user_id, experiment_id=call.ids["experiment_id"])
        if version is None:
            message = "no such dataset version, or not one you may use in this experiment"
            raise ApiProblem(422, f"dataset_version_id: {message}",
                             [{"field": "dataset_version_id", "message": message}])
        given = raw.get("dataset")
        given = given if isinstance(given, dict) else {}
        options = {k: v for k, v in given.items() if k not in ("builtin", "path", "version")}
        raw["dataset"] = {**options, "path": version.stored_path, "version": version.sha256}
    return raw


def _refuse_near_duplicates(call: Call, spec: ExperimentSpec) -> None:
    from dashapp.pages.new_run.wizard.launch import find_near_duplicates

    principal = call.principal
    found = find_near_duplicates(services.database(), {spec.name: spec}, user_id=call.user_id,
                                 may_read_run=lambda run_id: access.may_read_run(principal,
                                                                                 run_id))
    if found:
        runs = ("run " if len(found) == 1 else "runs ") + ", ".join(str(d.run_id) for d in found)
        raise ApiProblem(409, f"the spec nearly duplicates earlier {runs}: no run was "
                              'created; send "launch_anyway": true to launch it anyway',
                         [{"field": "launch_anyway", "message": d.message} for d in found])


def launch_run(call: Call) -> LaunchAnswer:
    """Create a run from the spec in the experiment and start its driver."""
    on_upload = call.body.dataset_version_id is not None
    raw = _on_version(call) if on_upload else call.body.spec
    spec, problems = _checked(raw, call.principal, on_upload=on_upload)
    if spec is None:
        raise ApiProblem(422, f"the spec has {len(problems)} problem"
                              f"{'s' if len(problems) != 1 else ''}: no run was created",
                         [p.model_dump() for p in problems])
    # The wizard's package is a page: it loads with the pages, after the API.
    from dashapp.pages.new_run.wizard.launch import launch_runs

    if not call.body.launch_anyway:
        _refuse_near_duplicates(call, spec)
    experiment_id = call.ids["experiment_id"]
    result = launch_runs(services.database(), services.state().settings, experiment_id,
                         {spec.name: spec}, created_by=call.user_id,
                         dataset_version_id=call.body.dataset_version_id)
    run_id = result.run_ids[0]
    failure = result.failures.get(run_id)
    return LaunchAnswer(id=run_id, name=spec.name, status="failed" if failure else "queued",
                        url=app_path(f"/runs/{run_id}"),
                        api=app_path(f"{API_PREFIX}/runs/{run_id}"),
                        start_error=failure)
