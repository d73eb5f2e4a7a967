"""Alert rules and the inbox through the API, by the same core functions as the dashboard
(``optunagui.alerts``): members list an experiment's rules, editors and owners create and
delete them; every user reads and marks their own inbox (only alerts of experiments they may
still read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashapp import access, services
from dashapp.api.registry import Call, Endpoint, Need, Scope
from dashapp.api.responses import ApiProblem
from dashapp.api.schemas import MAX_CURSOR, MAX_ID, Message
from dashapp.permissions import Role
from optunagui import alerts
from optunagui.store import NotFound

__all__ = [
    "ALERT_ENDPOINTS",
    "AlertRuleBody",
    "AlertRuleList",
    "AlertRuleRecord",
    "InboxList",
    "InboxQuery",
    "ReadBody",
    "ReadAnswer",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertRuleBody(_Body):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description=f"one of: {', '.join(alerts.RULE_KINDS)}")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="the kind's parameters (see optunagui.alerts)")
    run_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                               description="one run of the experiment; every run when omitted")
    channels: list[str] | None = Field(default=None,
                                       description=f"some of: {', '.join(alerts.CHANNELS)}")
    subscribers: list[int] | None = Field(default=None, max_length=1000,
                                          description="member ids told; you when omitted")
    webhook: dict[str, Any] | None = Field(
        default=None, description='{"url": the receiver, "format": "json" or "slack"}: '
        "post each alert there, signed (the secret is in the answer, once)")


class AlertRuleRecord(BaseModel):
    id: int
    experiment_id: int
    run_id: int | None
    name: str
    kind: str
    params: dict[str, Any]
    description: str
    channels: list[str]
    subscribers: list[int]
    created_by: int | None
    created_at: datetime
    webhook: dict[str, Any] | None = None
    webhook_secret: str | None = Field(
        default=None, description="signs the webhook's bodies (X-OptunaGui-Signature: "
        "sha256=HMAC(secret, timestamp + '.' + body)); answered only when the rule is made")


class AlertRuleList(BaseModel):
    rules: list[AlertRuleRecord]


class InboxQuery(_Body):
    unread_only: bool = False
    after: int = Field(default=0, ge=0, le=MAX_CURSOR,
                       description="the cursor: the newest inbox id already read")
    limit: int = Field(default=50, ge=1, le=500)


class InboxRecord(BaseModel):
    id: int
    alert_id: int
    rule_id: int
    rule_name: str
    experiment_id: int
    run_id: int | None
    trial_number: int | None
    message: str
    value: float | None
    created_at: datetime
    read: bool


class InboxList(BaseModel):
    alerts: list[InboxRecord]
    unread: int


class ReadBody(_Body):
    ids: list[int] | None = Field(default=None, min_length=1, max_length=1000,
                                  description="inbox ids (or all: true)")
    all: bool = Field(default=False, description="every entry of your inbox")
    read: bool = True

    @model_validator(mode="after")
    def _some_entries(self) -> ReadBody:
        if (self.ids is None) == (not self.all):
            raise ValueError("give ids (a list of inbox ids) or all: true, not both")
        return self


class ReadAnswer(BaseModel):
    changed: int


def _record(rule: alerts.RuleInfo) -> AlertRuleRecord:
    return AlertRuleRecord(id=rule.id, experiment_id=rule.experiment_id, run_id=rule.run_id,
                           name=rule.name, kind=rule.kind, params=rule.params,
                           description=rule.description, channels=rule.channels,
                           subscribers=rule.subscribers, created_by=rule.created_by,
                           created_at=rule.created_at, webhook=rule.webhook,
                           webhook_secret=rule.webhook_secret)


def list_alert_rules(call: Call) -> AlertRuleList:
    """The experiment's alert rules, oldest first."""
    with services.database().session() as session:
        rules = alerts.list_rules(session, call.ids["experiment_id"])
    return AlertRuleList(rules=[_record(rule) for rule in rules])


def create_alert_rule(call: Call) -> AlertRuleRecord:
    """A new rule on the experiment (or one of its runs); every problem named by field."""
    body: AlertRuleBody = call.body
    settings = services.state().settings
    try:
        with services.database().session() as session:
            rule = alerts.create_rule(session, call.ids["experiment_id"], name=body.name,
                                      kind=body.kind, params=body.params, run_id=body.run_id,
                                      channels=body.channels, subscribers=body.subscribers,
                                      created_by=call.user_id, webhook=body.webhook,
                                      allow_private_webhooks=settings.allow_private_webhooks,
                                      email_configured=settings.smtp is not None)
    except alerts.RuleProblem as problem:
        raise ApiProblem(422, f"the rule has {len(problem.problems)} problem(s): nothing was "
                              "created", [{"field": field, "message": message}
                                          for field, message in problem.problems]) from None
    return _record(rule)


def delete_alert_rule(call: Call) -> Message:
    """Delete one of the experiment's rules, with its alerts."""
    rule_id = call.ids["rule_id"]
    with services.database().session() as session:
        rule = alerts.get_rule(session, rule_id)
        if rule is None or rule.experiment_id != call.ids["experiment_id"]:
            raise ApiProblem(404, f"alert rule {rule_id}: no such rule on this experiment")
        try:
            alerts.delete_rule(session, rule_id)
        except NotFound:
            raise ApiProblem(404, f"alert rule {rule_id}: no such rule") from None
    return Message(message=f"alert rule {rule_id} deleted")


def list_inbox(call: Call) -> InboxList:
    """Your alerts, newest first."""
    query: InboxQuery = call.query
    with services.database().session() as session:
        entries = alerts.list_inbox(session, call.user_id, unread_only=query.unread_only,
                                    after_id=query.after, limit=query.limit)
        unread = alerts.count_unread(session, call.user_id)
    roles: dict[int, bool] = {}
    records = []
    for entry in entries:
        if entry.experiment_id not in roles:
            roles[entry.experiment_id] = access.role_on_experiment(
                call.principal, entry.experiment_id) is not None
        if roles[entry.experiment_id]:
            records.append(InboxRecord(
                id=entry.inbox_id or 0, alert_id=entry.alert_id, rule_id=entry.rule_id,
                rule_name=entry.rule_name, experiment_id=entry.experiment_id,
                run_id=entry.run_id, trial_number=entry.trial_number, message=entry.message,
                value=entry.value, created_at=entry.created_at, read=entry.read))
    return InboxList(alerts=records, unread=unread)


def mark_inbox_read(call: Call) -> ReadAnswer:
    """Mark your inbox entries read (or unread again with ``read: false``)."""
    body: ReadBody = call.body
    with services.database().session() as session:
        changed = alerts.mark_read(session, call.user_id, None if body.all else body.ids,
                                  read=body.read)
    return ReadAnswer(changed=changed)


_USER = Need(Scope.user)
_VIEWER = Need(Scope.experiment, Role.viewer)
_EDITOR = Need(Scope.experiment, Role.editor)
_RULES = "/experiments/{experiment_id}/alert-rules"

ALERT_ENDPOINTS = [
    Endpoint("GET", _RULES, "The experiment's alert rules.", _VIEWER, list_alert_rules,
             "alerts", response=AlertRuleList),
    Endpoint("POST", _RULES, "Create an alert rule on the experiment or one of its runs.",
             _EDITOR, create_alert_rule, "alerts", body=AlertRuleBody,
             response=AlertRuleRecord, status=201),
    Endpoint("DELETE", _RULES + "/{rule_id}", "Delete an alert rule and its alerts.", _EDITOR,
             delete_alert_rule, "alerts", response=Message),
    Endpoint("GET", "/alerts", "Your alerts inbox, newest first.", _USER, list_inbox,
             "alerts", query=InboxQuery, response=InboxList),
    Endpoint("POST", "/alerts/read", "Mark inbox entries read or unread.", _USER,
             mark_inbox_read, "alerts", body=ReadBody, response=ReadAnswer),
]
