"""Alerts in the dashboard: editors make and delete rules, viewers read and subscribe, an
outsider reads and changes nothing of another experiment's rules or alerts; the inbox and the
pop-up show only the user's own alerts."""

from __future__ import annotations

import json

from sqlalchemy import select

from optunagui.alerts import AlertEvaluator, create_rule, list_inbox, list_rules
from optunagui.store import append_events
from optunagui.store.alerts import AlertRule, InboxItem
from tests.dashapp.alert_cases import ALERT_DELETE, ALERT_SUBSCRIBE, ALERT_TOGGLE, RULE_FORM
from tests.dashapp.conftest import callback_named, post_callback


def _call(app, client, name, values):
    response = post_callback(client, app, callback_named(app, name), values)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _rule(database, world, who="olivia", **kwargs):
    with database.session() as session:
        return create_rule(session, world.alpha, name=kwargs.pop("name", "AUC high"),
                           kind="metric_threshold",
                           params={"metric": "accuracy", "op": ">", "value": 0.5},
                           created_by=world.user_ids[who], **kwargs)


def _fire(database, world):
    with database.session() as session:
        append_events(session, world.run_id, [
            {"kind": "completed", "trial_number": 7, "metrics": {"accuracy": 0.93}}])
    return AlertEvaluator(database).evaluate().fired


def _rule_names(database, world):
    with database.session() as session:
        return [rule.name for rule in list_rules(session, world.alpha)]


def test_an_editor_creates_a_rule_and_a_viewer_cannot(app, world, database, client_for):
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, **RULE_FORM}
    assert "created" in _call(app, client_for("ed"), "create_alert_rule", values)
    _call(app, client_for("vic"), "create_alert_rule", {**values, "name": "by a viewer"})
    assert _rule_names(database, world) == ["made by a test"]


def test_a_bad_rule_is_refused_naming_the_field(app, world, database, client_for):
    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1,
              **RULE_FORM, "kind": "metric_threshold", "value": "high"}
    text = _call(app, client_for("ed"), "create_alert_rule", values)
    assert "params.metric" in text and "params.value" in text
    run_text = _call(app, client_for("ed"), "create_alert_rule", {**RULE_FORM, **{
        "experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, "run": 1.5}})
    assert "Run id" in run_text
    assert _rule_names(database, world) == []


def test_viewers_see_rules_without_the_form_and_editors_with_it(app, world, database,
                                                                client_for):
    _rule(database, world)
    values = {"experiment_id": str(world.alpha), "refresh": 0}
    as_viewer = json.loads(_call(app, client_for("vic"), "show_alert_rules", values))
    as_editor = json.loads(_call(app, client_for("ed"), "show_alert_rules", values))
    manage = "experiment-alert-manage"
    assert as_viewer["response"][manage]["style"] == {"display": "none"}
    assert as_editor["response"][manage]["style"] == {}
    assert "AUC high" in json.dumps(as_viewer) and "Delete" not in json.dumps(as_viewer)
    assert "Delete" in json.dumps(as_editor)


def test_an_outsider_reads_and_changes_nothing_of_another_experiments_alerts(
        app, world, database, client_for):
    rule = _rule(database, world, subscribers=[world.user_ids["olivia"], world.user_ids["vic"]])
    assert _fire(database, world)
    otto = client_for("otto")
    read = _call(app, otto, "show_alert_rules", {"experiment_id": str(world.alpha), "refresh": 0})
    assert "AUC high" not in read and "0.93" not in read
    # Through his own experiment, with the ids of Alpha's rule and of vic's inbox entry:
    for name, kind in (("delete_alert_rule", ALERT_DELETE),
                       ("subscribe_alert_rule", ALERT_SUBSCRIBE)):
        text = _call(app, otto, name, {"experiment_id": str(world.bravo), "refresh": 0,
                                       "clicks": [({"type": kind, "rule": rule.id}, 1)]})
        assert "No such rule" in text
    with database.session() as session:
        vic_entry = list_inbox(session, world.user_ids["vic"])[0]
    text = _call(app, otto, "mark_alert_read", {
        "refresh": 0, "clicks": [({"type": ALERT_TOGGLE, "entry": vic_entry.inbox_id}, 1)]})
    assert "No such alert" in text
    inbox = _call(app, otto, "show_inbox", {"refresh": 0, "unread_only": False})
    assert "AUC high" not in inbox and "0.93" not in inbox
    assert "0.93" not in _call(app, otto, "poll_alert_toast", {"n_intervals": 1, "seen": 0})
    with database.session() as session:
        assert session.scalar(select(AlertRule.id)) == rule.id
        subscribers = set(session.scalars(select(InboxItem.user_id)))
        assert subscribers == {world.user_ids["olivia"], world.user_ids["vic"]}
        assert session.get(InboxItem, vic_entry.inbox_id).read_at is None


def test_a_viewer_subscribes_and_cannot_delete(app, world, database, client_for):
    rule = _rule(database, world)
    vic = client_for("vic")
    clicks = {"experiment_id": str(world.alpha), "refresh": 0}
    text = _call(app, vic, "subscribe_alert_rule",
                 {**clicks, "clicks": [({"type": ALERT_SUBSCRIBE, "rule": rule.id}, 1)]})
    assert "Subscribed to" in text
    _call(app, vic, "delete_alert_rule",
          {**clicks, "clicks": [({"type": ALERT_DELETE, "rule": rule.id}, 1)]})
    assert _rule_names(database, world) == ["AUC high"]
    assert "deleted" in _call(app, client_for("ed"), "delete_alert_rule", {
        **clicks, "clicks": [({"type": ALERT_DELETE, "rule": rule.id}, 1)]})
    assert _rule_names(database, world) == []


def test_inbox_marks_read_and_the_pop_up_shows_each_alert_once(app, world, database,
                                                              client_for):
    _rule(database, world)
    olivia = client_for("olivia")
    first = json.loads(_call(app, olivia, "poll_alert_toast", {"n_intervals": 0, "seen": None}))
    seen = first["response"]["shell-alerts-seen"]["data"]
    assert seen == 0 and "shell-alert-toast" not in first["response"]
    assert len(_fire(database, world)) == 1
    popped = json.loads(_call(app, olivia, "poll_alert_toast", {"n_intervals": 1, "seen": seen}))
    assert popped["response"]["shell-alert-toast"]["is_open"] is True
    assert "accuracy 0.93 &gt; 0.5" in json.dumps(popped) or "accuracy 0.93 > 0.5" in json.dumps(
        popped)
    assert f"/runs/{world.run_id}" in json.dumps(popped)
    seen = popped["response"]["shell-alerts-seen"]["data"]
    again = _call(app, olivia, "poll_alert_toast", {"n_intervals": 2, "seen": seen})
    assert "accuracy" not in again
    inbox = _call(app, olivia, "show_inbox", {"refresh": 0, "unread_only": True})
    assert "accuracy 0.93" in inbox and "Alerts (1 unread)" in inbox
    assert "1 alert(s) marked read" in _call(app, olivia, "mark_all_alerts_read",
                                             {"refresh": 0, "clicks": 1})
    inbox = _call(app, olivia, "show_inbox", {"refresh": 0, "unread_only": True})
    assert "accuracy 0.93" not in inbox
    with database.session() as session:
        entry = list_inbox(session, world.user_ids["olivia"])[0]
    assert "Marked unread" in _call(app, olivia, "mark_alert_read", {
        "refresh": 0, "clicks": [({"type": ALERT_TOGGLE, "entry": entry.inbox_id}, 1)]})


def test_a_webhook_rule_from_the_page_shows_its_secret_once_and_its_deliveries(
    app, world, database, client_for
):
    from dataclasses import replace

    from dashapp.state import state
    from optunagui.alerts.channels import Channels
    from optunagui.alerts.delivery import deliver_due
    from optunagui.alerts.webhooks import Answer

    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, **RULE_FORM,
              "kind": "metric_threshold", "metric": "accuracy", "value": 0.5,
              "webhook_url": "http://127.0.0.1:9/hook", "webhook_format": "slack"}
    refused = _call(app, client_for("ed"), "create_alert_rule", values)
    assert "webhook.url" in refused and "OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS" in refused
    current = state(app.server)  # an admin allows private targets
    current.settings = replace(current.settings, allow_private_webhooks=True)
    made = _call(app, client_for("ed"), "create_alert_rule", values)
    with database.session() as session:
        [rule] = session.scalars(select(AlertRule)).all()
        secret = rule.webhook_secret
    assert secret and "shown only now" in made and secret in made

    _fire(database, world)
    sent: list[str] = []
    deliver_due(database, Channels(
        allow_private=True, post=lambda url, body, headers: sent.append(url) or Answer(200, "ok")))
    assert sent == ["http://127.0.0.1:9/hook"]
    page = _call(app, client_for("ed"), "show_alert_rules",
                 {"experiment_id": str(world.alpha), "refresh": 0})
    assert "Deliveries" in page and "sent" in page and "slack webhook" in page
    as_viewer = _call(app, client_for("vic"), "show_alert_rules",
                      {"experiment_id": str(world.alpha), "refresh": 0})
    assert "Deliveries" not in as_viewer and secret not in as_viewer


def test_an_email_rule_needs_the_server_to_have_smtp(app, world, database, client_for):
    from dataclasses import replace

    from dashapp.state import state
    from optunagui.smtp import load_smtp_settings

    values = {"experiment_id": str(world.alpha), "refresh": 0, "clicks": 1, **RULE_FORM,
              "email": ["email"]}
    refused = _call(app, client_for("ed"), "create_alert_rule", values)
    assert "channels" in refused and "OPTUNAGUI_SMTP_HOST" in refused
    assert _rule_names(database, world) == []
    current = state(app.server)
    current.settings = replace(current.settings, smtp=load_smtp_settings({
        "OPTUNAGUI_SMTP_HOST": "mail.example.com", "OPTUNAGUI_SMTP_SENDER": "o@example.com"}))
    assert "created" in _call(app, client_for("ed"), "create_alert_rule", values)
    with database.session() as session:
        [rule] = list_rules(session, world.alpha)
    assert rule.channels == ["in_app", "email"]
    page = _call(app, client_for("vic"), "show_alert_rules",
                 {"experiment_id": str(world.alpha), "refresh": 0})
    assert "by email" in page
