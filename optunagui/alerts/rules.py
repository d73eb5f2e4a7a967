"""Alert rules: what to watch on an experiment (all its runs) or on one run, and who is told.

Kinds and their parameters:

- ``metric_threshold``: ``metric``, ``op`` (``>``, ``>=``, ``<``, ``<=``), ``value``, ``scope``
  (``any_trial``: a finished trial's value; ``best``: the run's best so far, in ``direction``).
- ``best_improves``: ``metric`` (the run's first metric when omitted), ``direction``.
- ``run_status``: ``statuses``, some of ``completed``, ``failed``, ``stopped``.
- ``no_improvement``: ``metric``, ``direction``, and ``trials`` (N finished trials without a
  new best) and/or ``minutes`` (T minutes without one, while the run is running).
- ``failed_share``: ``share`` (fires when failed / finished trials passes it) after
  ``min_trials`` finished trials (default 5).
- ``stalled``: ``minutes``: a running run that has sent no event for that long.

``direction`` (``maximize`` or ``minimize``) defaults to the run's own for that metric.
Who may create or delete a rule is the caller's decision (editors and owners).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from optunagui.alerts import webhooks
from optunagui.store._util import require
from optunagui.store.alerts import RULE_KINDS, AlertRule, AlertSubscription
from optunagui.store.tables import Experiment, Membership, Run, User

__all__ = [
    "CHANNELS",
    "OPERATORS",
    "RULE_KINDS",
    "RUN_END_STATUSES",
    "RuleInfo",
    "RuleProblem",
    "clean_rule",
    "create_rule",
    "delete_rule",
    "describe_rule",
    "get_rule",
    "list_rules",
    "set_subscribed",
]

CHANNELS = ("in_app", "webhook", "email")  # in_app: the inbox and the pop-up
OPERATORS = (">", ">=", "<", "<=")
SCOPES = ("any_trial", "best")
DIRECTIONS = ("maximize", "minimize")
RUN_END_STATUSES = ("completed", "failed", "stopped")
MAX_NAME_CHARS = 200
_PARAMS = {
    "metric_threshold": {"metric", "op", "value", "scope", "direction"},
    "best_improves": {"metric", "direction"},
    "run_status": {"statuses"},
    "no_improvement": {"metric", "direction", "trials", "minutes"},
    "failed_share": {"share", "min_trials"},
    "stalled": {"minutes"},
}


class RuleProblem(ValueError):
    """A rule that cannot be saved; ``problems`` lists (field, what is wrong) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


@dataclass(frozen=True)
class RuleInfo:
    id: int
    experiment_id: int
    run_id: int | None
    name: str
    kind: str
    params: dict[str, Any]
    channels: list[str]
    created_by: int | None
    created_at: datetime
    subscribers: list[int]
    webhook: dict[str, str] | None = None
    #: The webhook's signing secret: only in what ``create_rule`` answers (shown once).
    webhook_secret: str | None = None

    @property
    def description(self) -> str:
        return describe_rule(self.kind, self.params)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _whole(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None


class _Checker:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.problems: list[tuple[str, str]] = []
        self.clean: dict[str, Any] = {}

    def add(self, field: str, message: str) -> None:
        self.problems.append((f"params.{field}", message))

    def metric(self, *, required: bool) -> None:
        metric = self.params.get("metric")
        if metric is None or metric == "":
            if required:
                self.add("metric", "name a recorded metric, e.g. roc_auc")
            return
        if not isinstance(metric, str) or len(metric) > 100:
            self.add("metric", "a metric name (text, at most 100 characters)")
            return
        self.clean["metric"] = metric.strip()

    def choice(self, field: str, allowed: tuple[str, ...], default: str | None) -> None:
        value = self.params.get(field, default)
        if value is None:
            return
        if value not in allowed:
            self.add(field, f"{value!r} is not one of: {', '.join(allowed)}")
            return
        self.clean[field] = value

    def positive(self, field: str, *, whole: bool, required: bool, at_most: float) -> None:
        raw = self.params.get(field)
        if raw is None:
            if required:
                self.add(field, "required")
            return
        value = _whole(raw) if whole else _number(raw)
        kind = "a whole number" if whole else "a number"
        if value is None or not 0 < value <= at_most:
            self.add(field, f"{kind} above 0 and at most {at_most:g}, got {raw!r}")
            return
        self.clean[field] = value


def _check_kind(kind: str, check: _Checker) -> None:
    params = check.params
    if kind == "metric_threshold":
        check.metric(required=True)
        check.choice("op", OPERATORS, None)
        if "op" not in params:
            check.add("op", f"required, one of: {', '.join(OPERATORS)}")
        value = _number(params.get("value"))
        if value is None:
            check.add("value", f"a finite number to compare with, got {params.get('value')!r}")
        else:
            check.clean["value"] = value
        check.choice("scope", SCOPES, "any_trial")
        check.choice("direction", DIRECTIONS, None)
    elif kind in ("best_improves", "no_improvement"):
        check.metric(required=False)
        check.choice("direction", DIRECTIONS, None)
        if kind == "no_improvement":
            check.positive("trials", whole=True, required=False, at_most=1_000_000)
            check.positive("minutes", whole=False, required=False, at_most=525_600)
            if "trials" not in params and "minutes" not in params:
                check.add("trials", "give trials (N trials without a new best), minutes, "
                                    "or both")
    elif kind == "run_status":
        statuses = params.get("statuses")
        if (not isinstance(statuses, list | tuple) or not statuses
                or any(s not in RUN_END_STATUSES for s in statuses)):
            check.add("statuses", f"a list of some of: {', '.join(RUN_END_STATUSES)}, "
                                  f"got {statuses!r}")
        else:
            check.clean["statuses"] = sorted(set(statuses), key=RUN_END_STATUSES.index)
    elif kind == "failed_share":
        share = _number(params.get("share"))
        if share is None or not 0 <= share < 1:
            check.add("share", "a fraction from 0 up to (not including) 1, e.g. 0.2 for 20%, "
                               f"got {params.get('share')!r}")
        else:
            check.clean["share"] = share
        check.positive("min_trials", whole=True, required=False, at_most=1_000_000)
        check.clean.setdefault("min_trials", 5)
    else:  # stalled
        check.positive("minutes", whole=False, required=True, at_most=525_600)


def clean_rule(name: object, kind: object, params: object, channels: object = None
               ) -> tuple[str, str, dict[str, Any], list[str]]:
    """A rule's name, kind, parameters and channels as they will be stored.

    Raises:
        RuleProblem: every problem found, each naming its field.
    """
    problems: list[tuple[str, str]] = []
    if not isinstance(name, str) or not name.strip():
        problems.append(("name", "give the rule a name, e.g. 'AUC above 0.97'"))
    elif len(name.strip()) > MAX_NAME_CHARS:
        problems.append(("name", f"at most {MAX_NAME_CHARS} characters"))
    if channels is None:
        channels = ["in_app"]
    if (not isinstance(channels, list | tuple) or not channels
            or any(c not in CHANNELS for c in channels)):
        problems.append(("channels", f"a list of some of: {', '.join(CHANNELS)}, "
                                     f"got {channels!r}"))
    if kind not in RULE_KINDS:
        problems.append(("kind", f"{kind!r} is not one of: {', '.join(RULE_KINDS)}"))
        raise RuleProblem(problems)
    if not isinstance(params, dict):
        problems.append(("params", f"an object of parameters, got {params!r}"))
        raise RuleProblem(problems)
    assert isinstance(kind, str)
    for unknown in sorted(set(params) - _PARAMS[kind]):
        problems.append((f"params.{unknown}", f"not a parameter of {kind}; expected some of: "
                                              f"{', '.join(sorted(_PARAMS[kind]))}"))
    check = _Checker(params)
    _check_kind(kind, check)
    problems.extend(check.problems)
    if problems:
        raise RuleProblem(problems)
    assert isinstance(name, str) and isinstance(channels, list | tuple)
    return name.strip(), kind, check.clean, list(dict.fromkeys(channels))


def describe_rule(kind: str, params: dict[str, Any]) -> str:
    """The rule in a few words, e.g. "roc_auc > 0.97 on any trial"."""
    metric = params.get("metric") or "the run's metric"
    if kind == "metric_threshold":
        where = "on the best so far" if params.get("scope") == "best" else "on any trial"
        return f"{metric} {params['op']} {params['value']:g} {where}"
    if kind == "best_improves":
        return f"{metric}: a new best"
    if kind == "run_status":
        return "the run " + " or ".join(params["statuses"])
    if kind == "no_improvement":
        parts = []
        if "trials" in params:
            parts.append(f"{params['trials']} trials")
        if "minutes" in params:
            parts.append(f"{params['minutes']:g} minutes")
        return f"{metric}: no new best in {' or '.join(parts)}"
    if kind == "failed_share":
        return f"over {params['share']:.0%} of trials failed (after {params['min_trials']})"
    return f"no event for {params['minutes']:g} minutes while running"


def _is_member(session: Session, experiment_id: int, user_id: int) -> bool:
    """A member of the experiment, or an admin (who may read every experiment)."""
    if session.scalar(select(User.is_admin).where(User.id == user_id)):
        return True
    return session.scalar(select(Membership.id).where(
        Membership.experiment_id == experiment_id, Membership.user_id == user_id)) is not None


def _info(session: Session, rule: AlertRule) -> RuleInfo:
    subscribers = list(session.scalars(
        select(AlertSubscription.user_id).where(AlertSubscription.rule_id == rule.id)
        .order_by(AlertSubscription.user_id)))
    return RuleInfo(rule.id, rule.experiment_id, rule.run_id, rule.name, rule.kind,
                    dict(rule.params), list(rule.channels), rule.created_by, rule.created_at,
                    subscribers, dict(rule.webhook) if rule.webhook else None)


def create_rule(
    session: Session,
    experiment_id: int,
    *,
    name: object,
    kind: object,
    params: object,
    created_by: int | None,
    run_id: int | None = None,
    channels: object = None,
    subscribers: list[int] | None = None,
    webhook: object = None,
    allow_private_webhooks: bool = False,
    email_configured: bool = False,
) -> RuleInfo:
    """Save a rule on the experiment (or on one of its runs); its subscribers are the members
    given, or the creator.

    Args:
        email_configured: the server has an SMTP server to send the email channel through.

    Raises:
        RuleProblem: bad name, kind, parameters or channels; a run of another experiment; a
            subscriber who is not a member.
        NotFound: no such experiment.
    """
    require(session, Experiment, experiment_id, "experiment")
    if channels is None and webhook is not None:
        channels = ["in_app", "webhook"]
    clean_name, clean_kind, clean_params, clean_channels = clean_rule(name, kind, params,
                                                                      channels)
    problems: list[tuple[str, str]] = []
    clean_webhook = None
    if "webhook" in clean_channels:
        if webhook is None:
            problems.append(("webhook", "the webhook channel needs a webhook: "
                                        "{\"url\": ..., \"format\": \"json\" or \"slack\"}"))
        else:
            clean_webhook, found = webhooks.clean_webhook(webhook,
                                                          allow_private=allow_private_webhooks)
            problems += found
    elif webhook is not None:
        problems.append(("channels", "add \"webhook\" to the channels to use the webhook"))
    if "email" in clean_channels and not email_configured:
        problems.append(("channels", "email needs an SMTP server, and this server has none: "
                                     "an admin sets OPTUNAGUI_SMTP_HOST and "
                                     "OPTUNAGUI_SMTP_SENDER"))
    if run_id is not None:
        run = session.get(Run, run_id)
        if run is None or run.experiment_id != experiment_id:
            problems.append(("run_id", f"run {run_id} is not a run of experiment "
                                       f"{experiment_id}"))
    wanted = subscribers if subscribers is not None else (
        [created_by] if created_by is not None else [])
    for user_id in dict.fromkeys(wanted):
        if not _is_member(session, experiment_id, user_id):
            problems.append(("subscribers", f"user {user_id} is not a member of the experiment"))
    if problems:
        raise RuleProblem(problems)
    rule = AlertRule(experiment_id=experiment_id, run_id=run_id, name=clean_name,
                     kind=clean_kind, params=clean_params, channels=clean_channels,
                     created_by=created_by, webhook=clean_webhook,
                     webhook_secret=secrets.token_urlsafe(32) if clean_webhook else None)
    session.add(rule)
    session.flush()
    for user_id in dict.fromkeys(wanted):
        session.add(AlertSubscription(rule_id=rule.id, user_id=user_id))
    session.flush()
    return replace(_info(session, rule), webhook_secret=rule.webhook_secret)


def get_rule(session: Session, rule_id: int) -> RuleInfo | None:
    rule = session.get(AlertRule, rule_id)
    return None if rule is None else _info(session, rule)


def list_rules(session: Session, experiment_id: int, *, run_id: int | None = None
               ) -> list[RuleInfo]:
    """The experiment's rules, oldest first; with ``run_id``, those that watch that run."""
    query = select(AlertRule).where(AlertRule.experiment_id == experiment_id)
    if run_id is not None:
        query = query.where((AlertRule.run_id == run_id) | AlertRule.run_id.is_(None))
    return [_info(session, rule) for rule in session.scalars(query.order_by(AlertRule.id))]


def delete_rule(session: Session, rule_id: int) -> None:
    """Delete a rule with its alerts and their inbox entries.

    Raises:
        NotFound: no such rule.
    """
    rule = require(session, AlertRule, rule_id, "alert rule")
    session.delete(rule)
    session.flush()


def set_subscribed(session: Session, rule_id: int, user_id: int, subscribed: bool) -> None:
    """Subscribe a member of the rule's experiment to it, or end the subscription.

    Raises:
        NotFound: no such rule.
        RuleProblem: the user is not a member of the rule's experiment.
    """
    rule = require(session, AlertRule, rule_id, "alert rule")
    session.execute(delete(AlertSubscription).where(AlertSubscription.rule_id == rule_id,
                                                    AlertSubscription.user_id == user_id))
    if subscribed:
        if not _is_member(session, rule.experiment_id, user_id):
            raise RuleProblem([("user_id", f"user {user_id} is not a member of the "
                                           "experiment")])
        session.add(AlertSubscription(rule_id=rule_id, user_id=user_id))
    session.flush()
