"""Alert rules on the experiment page: every member sees the rules and the latest alerts and
may subscribe; editors and owners create and delete rules (through ``optunagui.alerts``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.components import HIDDEN, SHOWN, buttons
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.paths import app_path
from dashapp.permissions import Role, parse_id
from optunagui import alerts
from optunagui.alerts.delivery import DeliveryRecord, list_deliveries

__all__ = [
    "alert_ids",
    "alert_rules_body",
    "create_alert_rule",
    "delete_alert_rule",
    "register_alert_rules",
    "rule_params",
    "show_alert_rules",
    "subscribe_alert_rule",
]


class alert_ids:
    card = "experiment-alerts-card"
    rules = "experiment-alert-rules"
    history = "experiment-alert-history"
    manage = "experiment-alert-manage"
    name = "experiment-alert-name"
    kind = "experiment-alert-kind"
    run = "experiment-alert-run"
    metric = "experiment-alert-metric"
    op = "experiment-alert-op"
    value = "experiment-alert-value"
    scope = "experiment-alert-scope"
    statuses = "experiment-alert-statuses"
    trials = "experiment-alert-trials"
    minutes = "experiment-alert-minutes"
    share = "experiment-alert-share"
    webhook_url = "experiment-alert-webhook-url"
    webhook_format = "experiment-alert-webhook-format"
    email = "experiment-alert-email"
    deliveries = "experiment-alert-deliveries"
    create = "experiment-alert-create"
    feedback = "experiment-alert-feedback"
    delete = "experiment-alert-delete"  # pattern-matching type, with "rule"
    subscribe = "experiment-alert-subscribe"  # pattern-matching type, with "rule"


KIND_LABELS = {
    "metric_threshold": "Metric crosses a threshold",
    "best_improves": "The best improves",
    "run_status": "A run finishes, fails or is stopped",
    "no_improvement": "No new best in N trials / T minutes",
    "failed_share": "Share of failed trials passes X",
    "stalled": "A running run sends nothing for T minutes",
}
MAX_TEXT = 200
ALERTS_SHOWN = 20


def _field(label: str, control: Any, width: int = 2) -> dbc.Col:
    return dbc.Col([dbc.Label(label, class_name="small mb-0"), control], md=width)


def alert_rules_body() -> list[Any]:
    number = {"type": "number", "size": "sm"}
    form = html.Div([
        dbc.Row([
            _field("Name", dbc.Input(id=alert_ids.name, maxLength=MAX_TEXT, size="sm",
                                     placeholder="AUC above 0.97"), 3),
            _field("When", dbc.Select(id=alert_ids.kind, value="metric_threshold", size="sm",
                                      options=[{"label": label, "value": kind}
                                               for kind, label in KIND_LABELS.items()]), 4),
            _field("Run id (empty: every run)", dbc.Input(id=alert_ids.run, **number), 3),
        ], class_name="g-2 mb-2"),
        dbc.Row([
            _field("Metric", dbc.Input(id=alert_ids.metric, maxLength=100, size="sm",
                                       placeholder="the run's first")),
            _field("Compare", dbc.Select(id=alert_ids.op, value=">", size="sm", options=[
                {"label": op, "value": op} for op in alerts.OPERATORS]), 1),
            _field("Value", dbc.Input(id=alert_ids.value, step="any", **number)),
            _field("On", dbc.Select(id=alert_ids.scope, value="any_trial", size="sm", options=[
                {"label": "any trial", "value": "any_trial"},
                {"label": "best so far", "value": "best"}])),
            _field("Trials (N)", dbc.Input(id=alert_ids.trials, min=1, step=1, **number), 1),
            _field("Minutes (T)", dbc.Input(id=alert_ids.minutes, min=0, step="any", **number)),
            _field("Failed share", dbc.Input(id=alert_ids.share, min=0, max=1, step="any",
                                             placeholder="0.2", **number)),
        ], class_name="g-2 mb-2"),
        dbc.Checklist(id=alert_ids.statuses, inline=True, value=["failed"], class_name="small mb-2",
                      options=[{"label": s, "value": s} for s in alerts.RUN_END_STATUSES]),
        dbc.Row([
            _field("Also post to a webhook (optional)", dbc.Input(
                id=alert_ids.webhook_url, maxLength=2000, size="sm", type="url",
                placeholder="https://hooks.slack.com/services/..."), 6),
            _field("Body", dbc.Select(id=alert_ids.webhook_format, value="json", size="sm",
                                      options=[{"label": "JSON", "value": "json"},
                                               {"label": "Slack text", "value": "slack"}])),
        ], class_name="g-2 mb-2"),
        dbc.Checklist(id=alert_ids.email, value=[], class_name="small mb-2", options=[
            {"label": "Also email the subscribers (to the address each sets under Account)",
             "value": "email"}]),
        dbc.Button("Create rule", id=alert_ids.create, color="primary", size="sm"),
        html.Div(id=alert_ids.feedback, className="mt-2"),
    ], id=alert_ids.manage, style=HIDDEN, className="mt-3")
    return [html.Div(id=alert_ids.rules), form,
            html.H6("Latest alerts", className="mt-3"), html.Div(id=alert_ids.history),
            html.Div(id=alert_ids.deliveries)]


def _rules_table(rules: list[alerts.RuleInfo], user_id: int | None, can_edit: bool) -> Any:
    if not rules:
        return components.empty_note("No alert rules yet.")
    rows = []
    for rule in rules:
        subscribed = user_id in rule.subscribers
        actions: list[Any] = [dbc.Button(
            "Unsubscribe" if subscribed else "Subscribe", size="sm", color="link",
            class_name="p-0 me-3", id={"type": alert_ids.subscribe, "rule": rule.id})]
        if can_edit:
            actions.append(dbc.Button("Delete", size="sm", color="link", class_name="p-0",
                                      id={"type": alert_ids.delete, "rule": rule.id}))
        where = f"run {rule.run_id}" if rule.run_id is not None else "every run"
        told = f"{len(rule.subscribers)} subscriber(s)"
        if rule.webhook:
            told += f" and a {rule.webhook['format']} webhook"
        if "email" in rule.channels:
            told += ", by email"
        rows.append([rule.name, rule.description, where, told, html.Span(actions)])
    return components.table(["Rule", "When", "On", "Told", ""], rows)


def _history(entries: list[alerts.AlertEntry]) -> Any:
    if not entries:
        return components.empty_note("No alert has fired.")
    return components.table(["When", "Alert", ""], [
        [entry.created_at.strftime("%Y-%m-%d %H:%M:%S"), entry.message,
         dcc.Link("run", href=app_path(alerts.alert_path(entry.run_id, entry.trial_number)))
         if entry.run_id else ""]
        for entry in entries])


def _recipient(delivery: DeliveryRecord) -> str:
    if delivery.channel == "email":
        local, _, domain = delivery.target.partition("@")
        return f"email {local[:1]}…@{domain}"
    return f"webhook {urlsplit(delivery.target).hostname or delivery.target}"


def _deliveries(log: list[DeliveryRecord]) -> Any:
    if not log:
        return None
    return html.Div([html.H6("Deliveries", className="mt-3"), components.table(
        ["Alert", "To", "Status", "Tries", "Last answer"],
        [[f"#{d.alert_id}", _recipient(d), d.status, d.attempts, d.last_answer or ""]
         for d in log])])


def show_alert_rules(access: Access, refresh: Any, poll: Any, experiment_id: Any
                     ) -> dict[str, Any]:
    with services.database().session() as session:
        rules = alerts.list_rules(session, access.experiment_id or 0)
        history = alerts.list_alerts(session, access.experiment_id or 0, limit=ALERTS_SHOWN)
        log = list_deliveries(session, access.experiment_id or 0, limit=ALERTS_SHOWN)
    can_edit = access.holds(Role.editor)
    return {"rules": _rules_table(rules, access.principal.user_id, can_edit),
            "history": _history(history), "manage": SHOWN if can_edit else HIDDEN,
            "deliveries": _deliveries(log) if can_edit else None}


def rule_params(kind: Any, form: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a rule of ``kind`` from the form's fields (empty fields left out)."""
    fields = {
        "metric_threshold": ("metric", "op", "value", "scope"),
        "best_improves": ("metric",),
        "run_status": ("statuses",),
        "no_improvement": ("metric", "trials", "minutes"),
        "failed_share": ("share",),
        "stalled": ("minutes",),
    }.get(kind, ())
    return {name: form[name] for name in fields
            if form.get(name) is not None and form.get(name) != ""}


def create_alert_rule(access: Access, clicks: Any, experiment_id: Any, name: Any, kind: Any,
                      run: Any, refresh: Any, webhook_url: Any = None,
                      webhook_format: Any = "json", email: Any = None, **form: Any) -> Any:
    run_id = None
    if run not in (None, ""):
        run_id = parse_id(str(run))
        if run_id is None:
            return refused("Run id: a run of this experiment, or empty for every run.")
    hook = None
    channels = ["in_app"]
    if isinstance(webhook_url, str) and webhook_url.strip():
        hook = {"url": webhook_url.strip(), "format": webhook_format}
        channels.append("webhook")
    if isinstance(email, list) and "email" in email:
        channels.append("email")
    settings = services.state().settings
    try:
        with services.database().session() as session:
            rule = alerts.create_rule(
                session, access.experiment_id or 0, name=name, kind=kind,
                params=rule_params(kind, form), run_id=run_id,
                created_by=access.principal.user_id, webhook=hook, channels=channels,
                allow_private_webhooks=settings.allow_private_webhooks,
                email_configured=settings.smtp is not None)
    except alerts.RuleProblem as problem:
        return refused(str(problem))
    if rule.webhook_secret:
        return done(f"Rule {rule.name!r} created. Its webhook requests are signed with this "
                    f"secret (X-OptunaGui-Signature), shown only now: {rule.webhook_secret}",
                    refresh)
    return done(f"Rule {rule.name!r} created.", refresh)


def _rule_of_experiment(session: Any, rule_id: int, experiment_id: int | None
                        ) -> alerts.RuleInfo | None:
    rule = alerts.get_rule(session, rule_id)
    return rule if rule is not None and rule.experiment_id == experiment_id else None


def delete_alert_rule(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
    rule_id = buttons.clicked_id(clicks, "rule")
    with services.database().session() as session:
        rule = _rule_of_experiment(session, rule_id, access.experiment_id)
        if rule is None:
            return refused("No such rule on this experiment.")
        alerts.delete_rule(session, rule.id)
    return done(f"Rule {rule.name!r} deleted.", refresh)


def subscribe_alert_rule(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
    rule_id = buttons.clicked_id(clicks, "rule")
    user_id = access.principal.user_id
    with services.database().session() as session:
        rule = _rule_of_experiment(session, rule_id, access.experiment_id)
        if rule is None or user_id is None:
            return refused("No such rule on this experiment.")
        subscribe = user_id not in rule.subscribers
        alerts.set_subscribed(session, rule.id, user_id, subscribe)
    verb = "Subscribed to" if subscribe else "Unsubscribed from"
    return done(f"{verb} {rule.name!r}.", refresh)


def register_alert_rules(app: dash.Dash) -> None:
    """Readers see rules and alerts and subscribe; editors create and delete rules."""
    experiment = {"experiment_id": State(ids.experiment, "data")}
    refresh_id = ids.refresh
    guard.guarded_callback(
        app, requires=guard.experiment(Role.viewer, "experiment_id"),
        output={"rules": Output(alert_ids.rules, "children"),
                "history": Output(alert_ids.history, "children"),
                "manage": Output(alert_ids.manage, "style"),
                "deliveries": Output(alert_ids.deliveries, "children")},
        inputs={"refresh": Input(refresh_id, "data"), "poll": Input(ids.poll, "n_intervals")},
        state={**experiment},  # Dash adds the inputs to the state dict it is given
    )(show_alert_rules)
    form = {name: State(getattr(alert_ids, name), "value")
            for name in ("name", "kind", "run", "metric", "op", "value", "scope", "statuses",
                         "trials", "minutes", "share", "webhook_url", "webhook_format",
                         "email")}
    guard.guarded_callback(
        app, requires=guard.experiment(Role.editor, "experiment_id"),
        output=action_outputs(alert_ids.feedback, refresh_id),
        inputs={"clicks": Input(alert_ids.create, "n_clicks")},
        state={**experiment, **form, "refresh": State(refresh_id, "data")},
        prevent_initial_call=True,
    )(create_alert_rule)
    guard.guarded_callback(
        app, requires=guard.experiment(Role.editor, "experiment_id"),
        output=action_outputs(alert_ids.feedback, refresh_id, duplicate=True),
        inputs={"clicks": Input({"type": alert_ids.delete, "rule": ALL}, "n_clicks")},
        state={**experiment, "refresh": State(refresh_id, "data")},
        prevent_initial_call=True,
    )(delete_alert_rule)
    guard.guarded_callback(
        app, requires=guard.experiment(Role.viewer, "experiment_id"),
        output=action_outputs(alert_ids.feedback, refresh_id, duplicate=True),
        inputs={"clicks": Input({"type": alert_ids.subscribe, "rule": ALL}, "n_clicks")},
        state={**experiment, "refresh": State(refresh_id, "data")},
        prevent_initial_call=True,
    )(subscribe_alert_rule)
