"""The alert callbacks' rows of the permission table, as (name, check, role, values) (made
into Case rows of CASES in callback_cases.py)."""

from __future__ import annotations

from typing import Any

from dashapp.guard import Check
from dashapp.permissions import Role

ALERT_DELETE = "experiment-alert-delete"
ALERT_SUBSCRIBE = "experiment-alert-subscribe"
ALERT_TOGGLE = "alerts-toggle"


def _alpha(world: Any, **extra: Any) -> dict[str, Any]:
    return {"experiment_id": str(world.alpha), "refresh": 0, **extra}


RULE_FORM = {"name": "made by a test", "kind": "stalled", "run": None, "metric": None,
             "op": ">", "value": None, "scope": "any_trial", "statuses": ["failed"],
             "trials": None, "minutes": 30, "share": None, "webhook_url": None,
             "webhook_format": "json", "email": []}

ALERT_ROWS: list[tuple[str, Check, Role | None, Any]] = [
    ("show_alert_rules", Check.experiment, Role.viewer, lambda w: _alpha(w)),
    ("create_alert_rule", Check.experiment, Role.editor,
         lambda w: _alpha(w, clicks=1, **RULE_FORM)),
    ("delete_alert_rule", Check.experiment, Role.editor,
         lambda w: _alpha(w, clicks=[({"type": ALERT_DELETE, "rule": 1}, 1)])),
    ("subscribe_alert_rule", Check.experiment, Role.viewer,
         lambda w: _alpha(w, clicks=[({"type": ALERT_SUBSCRIBE, "rule": 1}, 1)])),
    ("show_inbox", Check.signed_in, None, lambda w: {"refresh": 0, "unread_only": False}),
    ("mark_alert_read", Check.signed_in, None,
         lambda w: {"refresh": 0, "clicks": [({"type": ALERT_TOGGLE, "entry": 1}, 1)]}),
    ("mark_all_alerts_read", Check.signed_in, None, lambda w: {"refresh": 0, "clicks": 1}),
    ("poll_alert_toast", Check.signed_in, None, lambda w: {"n_intervals": 1, "seen": None}),
]
