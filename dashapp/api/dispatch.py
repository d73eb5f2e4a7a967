"""The blueprint, built from the registry: for each request, find its endpoint, check the
token, the ids, the caller's role and the body, keep POST answers per idempotency key, and
turn what the handler returns into the answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from dashapp import access
from dashapp.api import idempotency
from dashapp.api.auth import Caller, authenticate, role_needed
from dashapp.api.rate_limit import count_request
from dashapp.api.registry import Call, Endpoint, Scope, flask_rule, path_parameters
from dashapp.api.responses import API_PREFIX, ApiProblem, problem_response
from dashapp.permissions import ANONYMOUS, Principal, parse_id

__all__ = ["build_blueprint", "field_problems"]

_WHAT = {"run_id": "run", "experiment_id": "experiment", "user_id": "member",
         "version": "model version", "rule_id": "alert rule"}


def field_problems(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Every problem pydantic found, by field (``a.b[0]``)."""
    found = []
    for item in error.errors():
        parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in item["loc"]]
        name = (prefix + "".join(parts)).lstrip(".") or "body"
        found.append({"field": name, "message": item["msg"]})
    return found


def _ids(endpoint: Endpoint, values: dict[str, str]) -> dict[str, int]:
    ids = {}
    for name in path_parameters(endpoint.path):
        text = values.get(name, "")
        number = parse_id(text)
        if number is None:
            what = _WHAT.get(name, name)
            raise ApiProblem(404, f"{what} {text}: no such {what}, or no access to it")
        ids[name] = number
    return ids


def _model(model: type[BaseModel] | None, raw: Any, where: str) -> Any:
    if model is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = field_problems(error, "" if where == "body" else where)
        raise ApiProblem(422, f"the request's {where} has {len(problems)} problem"
                              f"{'s' if len(problems) != 1 else ''}: nothing was done",
                         problems) from None


def _body(endpoint: Endpoint) -> Any:
    if endpoint.body is None:
        return None
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise ApiProblem(400, "send a JSON object as the body (Content-Type: application/json)")
    return _model(endpoint.body, raw, "body")


def _call(endpoint: Endpoint, principal: Principal, ids: dict[str, int]) -> Call:
    role, experiment_id = None, None
    need = endpoint.need
    if need.scope is Scope.experiment:
        experiment_id = ids["experiment_id"]
    elif need.scope is Scope.run:
        experiment_id = access.experiment_of_run(ids["run_id"])
        if experiment_id is None:
            raise ApiProblem(404, f"run {ids['run_id']}: no such run, or no access to it")
    if experiment_id is not None and need.role is not None:
        role = role_needed(experiment_id, need.role, run_id=ids.get("run_id"))
    query = _model(endpoint.query, request.args.to_dict(), "query")
    return Call(principal, ids, role, experiment_id, _body(endpoint), query)


def _render(endpoint: Endpoint, result: Any) -> Response:
    status = endpoint.status
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, Response):
        result.status_code = status if result.status_code == 200 else result.status_code
        return result
    if isinstance(result, BaseModel):
        response = jsonify(result.model_dump(mode="json"))
    else:
        response = jsonify(result)
    response.status_code = status
    return response


def _serve(endpoint: Endpoint, values: dict[str, str]) -> Response:
    if endpoint.need.scope is Scope.public:
        return _render(endpoint, endpoint.handler(Call(ANONYMOUS, {})))
    caller: Caller = authenticate(writes=endpoint.writes)
    count_request(caller.token_id)
    ids = _ids(endpoint, values)

    def answer() -> Response:
        return _render(endpoint, endpoint.handler(_call(endpoint, caller.principal, ids)))

    if endpoint.writes:
        assert caller.principal.user_id is not None
        return idempotency.once(caller.principal.user_id, answer)
    return answer()


def _view(path: str, endpoints: dict[str, Endpoint]) -> Any:
    def view(**values: str) -> Response:
        endpoint = endpoints.get("GET" if request.method == "HEAD" else request.method)
        if endpoint is None:
            if any(e.need.scope is not Scope.public for e in endpoints.values()):
                # who may not call the path learns no more than that
                authenticate(writes=request.method not in ("GET", "HEAD"))
            allowed = ", ".join(sorted(endpoints))
            raise ApiProblem(405, f"{API_PREFIX}{path} answers {allowed}, not {request.method}")
        return _serve(endpoint, values)

    view.__name__ = "api_" + "_".join(sorted(e.operation_id for e in endpoints.values()))
    return view


def _unknown(rest: str = "") -> Response:
    raise ApiProblem(404, f"{API_PREFIX}/{rest}: no such endpoint; see {API_PREFIX}/docs")


def build_blueprint(endpoints: Sequence[Endpoint]) -> Blueprint:
    built = Blueprint("api", __name__, url_prefix=API_PREFIX)
    built.register_error_handler(ApiProblem, problem_response)
    by_path: dict[str, dict[str, Endpoint]] = defaultdict(dict)
    for endpoint in endpoints:
        by_path[endpoint.path][endpoint.method] = endpoint
    for path, methods in by_path.items():
        # Every method is routed here, so a wrong one is answered 405 in JSON after the same
        # checks, and never falls through to the dashboard's pages.
        built.add_url_rule(flask_rule(path), view_func=_view(path, methods),
                           methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    built.add_url_rule("/<path:rest>", view_func=_unknown,
                       methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    return built
