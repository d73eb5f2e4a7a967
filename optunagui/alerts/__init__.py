"""Alerts: rules on an experiment or a run, evaluated on the server from the event stream,
fired once per trigger into each subscriber's inbox (shown in-app as a pop-up), and delivered
to webhooks and by email.

Repository functions take the session first; callers own the transaction and decide who may
create or delete a rule (editors and owners) and who may read (members of the experiment).
"""

from optunagui.alerts.channels import Channels
from optunagui.alerts.evaluator import AlertEvaluator, PassResult
from optunagui.alerts.inbox import (
    AlertEntry,
    alert_path,
    count_unread,
    get_inbox_entry,
    list_alerts,
    list_inbox,
    mark_read,
)
from optunagui.alerts.rules import (
    CHANNELS,
    OPERATORS,
    RULE_KINDS,
    RUN_END_STATUSES,
    RuleInfo,
    RuleProblem,
    clean_rule,
    create_rule,
    delete_rule,
    describe_rule,
    get_rule,
    list_rules,
    set_subscribed,
)
from optunagui.alerts.service import AlertLoop, DeliveryLoop, start_alert_loop
from optunagui.alerts.triggers import Firing

__all__ = [
    "CHANNELS",
    "OPERATORS",
    "RULE_KINDS",
    "RUN_END_STATUSES",
    "AlertEntry",
    "AlertEvaluator",
    "AlertLoop",
    "alert_path",
    "Channels",
    "DeliveryLoop",
    "Firing",
    "PassResult",
    "RuleInfo",
    "RuleProblem",
    "clean_rule",
    "count_unread",
    "create_rule",
    "delete_rule",
    "describe_rule",
    "get_inbox_entry",
    "get_rule",
    "list_alerts",
    "list_inbox",
    "list_rules",
    "mark_read",
    "set_subscribed",
    "start_alert_loop",
]
