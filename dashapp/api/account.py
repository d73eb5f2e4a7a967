"""The caller's own account through the API: who the token belongs to, and the email address
alerts with the email channel are sent to (the same core function as the Account page)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dashapp import services
from dashapp.api.registry import Call, Endpoint, Need, Scope
from dashapp.api.responses import ApiProblem
from optunagui.accounts import set_email
from optunagui.email_address import MAX_EMAIL_CHARS
from optunagui.store import users

__all__ = ["ACCOUNT_ENDPOINTS", "AccountRecord", "EmailBody"]


class EmailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=MAX_EMAIL_CHARS,
                       description="e.g. ana@example.com; an empty string removes it")


class AccountRecord(BaseModel):
    username: str
    is_admin: bool
    email: str | None


def _account(call: Call) -> AccountRecord:
    with services.database().session() as session:
        user = users.get_user(session, call.user_id)
        if user is None:
            raise ApiProblem(404, "your account no longer exists")
        return AccountRecord(username=user.username, is_admin=user.is_admin, email=user.email)


def get_account(call: Call) -> AccountRecord:
    """Your user name, whether you are an admin, and your email address."""
    return _account(call)


def set_account_email(call: Call) -> AccountRecord:
    """Set or remove your email address."""
    body: EmailBody = call.body
    with services.database().session() as session:
        problem = set_email(session, call.user_id, body.email)
    if problem:
        raise ApiProblem(422, problem, [{"field": "email", "message": problem}])
    return _account(call)


_USER = Need(Scope.user)

ACCOUNT_ENDPOINTS = [
    Endpoint("GET", "/account", "Your account: user name, admin or not, email address.", _USER,
             get_account, "account", response=AccountRecord),
    Endpoint("POST", "/account/email", "Set (or, empty, remove) your email address.", _USER,
             set_account_email, "account", body=EmailBody, response=AccountRecord),
]
