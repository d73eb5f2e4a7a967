"""Every API endpoint declared once: method, path, summary, the role it needs, its body, query
and answer models, and its handler. The blueprint (``dashapp.api.dispatch``) and the OpenAPI
document (``dashapp.api.openapi``) are both built from these declarations.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from dashapp.permissions import Principal, Role

__all__ = ["Call", "Endpoint", "Need", "Scope", "flask_rule", "path_parameters"]

_PARAMETER = re.compile(r"{([a-z_]+)}")


class Scope(enum.Enum):
    """What a role is checked on: nothing (anyone, even without a token), the caller's own
    account, the experiment or the run named in the path."""

    public = "public"
    user = "user"
    experiment = "experiment"
    run = "run"


@dataclass(frozen=True)
class Need:
    scope: Scope
    role: Role | None = None

    def describe(self) -> str:
        if self.scope is Scope.public:
            return "anyone, no token needed"
        if self.scope is Scope.user or self.role is None:
            return "any user with a token"
        return f"{self.role.name} of the {self.scope.value}'s experiment"


@dataclass(frozen=True)
class Call:
    """One checked request as a handler sees it."""

    principal: Principal
    ids: dict[str, int]
    role: Role | None = None
    experiment_id: int | None = None
    body: Any = None
    query: Any = None

    @property
    def run_id(self) -> int:
        return self.ids["run_id"]

    @property
    def user_id(self) -> int:
        assert self.principal.user_id is not None
        return self.principal.user_id


@dataclass(frozen=True)
class Endpoint:
    """Attributes:
        path: below ``/api/v1``, parameters as ``{name}`` (every one a positive integer id).
        status: the status of a successful answer.
        media: the answer's media type when it is not a JSON ``response`` model (a file).
        reads_only: a POST that changes nothing (it only takes a body too large or too nested
            for a query): a read-only token may call it, and it is not made idempotent.
    """

    method: str
    path: str
    summary: str
    need: Need
    handler: Callable[[Call], Any]
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    media: str | None = None
    errors: tuple[int, ...] = field(default=())
    reads_only: bool = False

    @property
    def writes(self) -> bool:
        return self.method != "GET" and not self.reads_only

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def path_parameters(path: str) -> list[str]:
    return _PARAMETER.findall(path)


def flask_rule(path: str) -> str:
    """The Flask rule of an OpenAPI path; ids are taken as text and checked by the dispatcher,
    so that a malformed or out-of-range id is answered 404 in JSON, like a missing one."""
    return _PARAMETER.sub(r"<\1>", path)
