"""The OpenAPI 3.1 document of the API, built from the registry: each endpoint's path,
parameters, body and answers, the schemas taken from its pydantic models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from dashapp.api.registry import Endpoint, Scope, path_parameters
from dashapp.api.responses import API_PREFIX
from dashapp.api.schemas import ProblemAnswer
from dashapp.paths import path_prefix

__all__ = ["build_document"]

_REF = "#/components/schemas/{model}"
_ERRORS = {
    400: "the request cannot be read", 401: "no token, or an unknown, expired or revoked one",
    403: "a read-only token, or a role too low", 404: "no such id, or no access to it",
    409: "not possible in the current state", 422: "the body or query has problems (each by field)",
    429: "too many requests with this token",
}


def _models(endpoints: Sequence[Endpoint]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ProblemAnswer": ProblemAnswer}
    for endpoint in endpoints:
        for model in (endpoint.body, endpoint.query, endpoint.response):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def _schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    _keys, top = models_json_schema([(m, "validation") for m in models], ref_template=_REF)
    return top.get("$defs", {})


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    found = [{"name": name, "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 1}}
             for name in path_parameters(endpoint.path)]
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema(ref_template=_REF)
        required = set(schema.get("required", []))
        for name, field in schema.get("properties", {}).items():
            found.append({"name": name, "in": "query", "required": name in required,
                          "description": field.get("description", ""), "schema": field})
    return found


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.response is not None:
        content = {"application/json": {"schema": _ref(endpoint.response)}}
    else:
        content = {endpoint.media or "application/json": {"schema": {}}}
    found: dict[str, Any] = {str(endpoint.status): {"description": "done", "content": content}}
    statuses = set(endpoint.errors) | {404, 422}
    if endpoint.need.scope is not Scope.public:
        statuses |= {401, 429} | ({403} if endpoint.writes else set())
    if endpoint.body is not None:
        statuses.add(400)
    problem = {"application/json": {"schema": _ref(ProblemAnswer)}}
    for status in sorted(statuses):
        found[str(status)] = {"description": _ERRORS.get(status, "refused"), "content": problem}
    return found


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": f"Who may call it: {endpoint.need.describe()}.",
        "tags": [endpoint.tag],
        "parameters": _parameters(endpoint),
        "responses": _responses(endpoint),
    }
    if endpoint.writes:
        operation["parameters"].append(
            {"name": "Idempotency-Key", "in": "header", "required": False,
             "description": "the same key, user and path answer the first answer again",
             "schema": {"type": "string", "maxLength": 200}})
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(endpoint.body)}}}
    if endpoint.need.scope is Scope.public:
        operation["security"] = []
    return operation


def build_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(API_PREFIX + endpoint.path, {})[endpoint.method.lower()] = (
            _operation(endpoint))
    prefix = path_prefix()
    return {
        "openapi": "3.1.0",
        **({"servers": [{"url": prefix}]} if prefix else {}),
        "info": {"title": "OptunaGui API", "version": "1",
                 "description": "Drive what the dashboard does from scripts, with a personal "
                                "API token (Account page) and the roles you hold."},
        "paths": paths,
        "components": {
            "schemas": _schemas(_models(endpoints)),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
    }
