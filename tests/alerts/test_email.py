"""Alert emails, through a real SMTP server on 127.0.0.1 (aiosmtpd): one per subscriber with an
address, once per alert, sent after a restart between the trigger and the delivery, retried
while the server is away, final when a mailbox is refused; and the settings and addresses they
need, with bad values named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from optunagui.accounts import set_email
from optunagui.alerts import AlertEvaluator, Channels, RuleProblem, set_subscribed
from optunagui.alerts.delivery import RETRY_DELAYS_S, deliver_due, list_deliveries
from optunagui.config import SettingsError, load_settings
from optunagui.smtp import load_smtp_settings
from optunagui.store import Database, remove_member
from optunagui.store._types import utcnow
from tests.smtp_receiver import SmtpReceiver

from .helpers import completed, rule

THRESHOLD = {"metric": "roc_auc", "op": ">", "value": 0.97}


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    yield receiver
    receiver.stop()


def _channels(receiver: SmtpReceiver) -> Channels:
    return Channels(smtp=load_smtp_settings(receiver.environ()))


def _email_rule(db, experiment, owner):
    return rule(db, experiment, owner, "metric_threshold", THRESHOLD, name="AUC above 0.97",
                channels=["in_app", "email"], email_configured=True)


def _address(db, user, email):
    with db.session() as session:
        assert set_email(session, user.id, email) is None


def test_an_alert_is_emailed_once_to_each_subscriber_with_an_address(
        db, owner, viewer, experiment, run, smtp):
    _address(db, owner, "olivia@example.com")
    _address(db, viewer, "vic@example.com")
    made = _email_rule(db, experiment, owner)
    with db.session() as session:
        set_subscribed(session, made.id, viewer.id, True)
    completed(db, run, 4, roc_auc=0.99)
    assert len(AlertEvaluator(db).evaluate().fired) == 1

    sent = deliver_due(db, _channels(smtp), public_url="https://tuning.example.com")
    assert sorted((d.channel, d.target, d.status) for d in sent) == [
        ("email", "olivia@example.com", "sent"), ("email", "vic@example.com", "sent")]
    assert deliver_due(db, _channels(smtp)) == []
    completed(db, run, 4, roc_auc=0.995)  # the same trial again: no second alert
    AlertEvaluator(db).evaluate()
    assert deliver_due(db, _channels(smtp)) == []

    assert sorted(to for to, _ in smtp.messages) == [["olivia@example.com"],
                                                     ["vic@example.com"]]
    _, message = smtp.messages[0]
    assert message["From"] == "optunagui@example.com"
    assert message["Subject"] == ("[OptunaGui] AUC above 0.97: roc_auc 0.99 > 0.97 on trial 4 "
                                  "of lgbm #1")
    body = message.get_content()
    assert "Experiment: iris" in body and "Run: lgbm #1" in body
    assert f"Open the run: https://tuning.example.com/runs/{run.id}?trial=4" in body
    assert sorted(m["X-OptunaGui-Delivery"] for _, m in smtp.messages) == sorted(
        str(d.id) for d in sent)


def test_subscribers_without_an_address_get_no_email(db, owner, experiment, run, smtp):
    _email_rule(db, experiment, owner)
    completed(db, run, 0, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    assert deliver_due(db, _channels(smtp)) == []
    assert smtp.messages == []


def test_a_restart_between_the_trigger_and_the_email_sends_it_once(
        db, database_url, owner, experiment, run, smtp):
    _address(db, owner, "olivia@example.com")
    _email_rule(db, experiment, owner)
    completed(db, run, 1, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    db.dispose()  # the server stops before its delivery loop ran

    restarted = Database(database_url)
    try:
        assert AlertEvaluator(restarted).evaluate().fired == []
        assert [d.status for d in deliver_due(restarted, _channels(smtp))] == ["sent"]
        assert deliver_due(restarted, _channels(smtp)) == []
    finally:
        restarted.dispose()
    assert len(smtp.messages) == 1


def test_an_smtp_server_away_is_tried_again_then_the_email_goes(
        db, owner, experiment, run):
    away = SmtpReceiver()  # not started yet: connections are refused
    _address(db, owner, "olivia@example.com")
    _email_rule(db, experiment, owner)
    completed(db, run, 2, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    now = utcnow()
    [first] = deliver_due(db, _channels(away), now=now)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "not reached" in first.last_answer
    assert first.next_attempt_at >= now + timedelta(seconds=RETRY_DELAYS_S[0] - 1)
    away.start()
    try:
        assert deliver_due(db, _channels(away), now=now + timedelta(seconds=1)) == []
        [second] = deliver_due(db, _channels(away),
                               now=now + timedelta(seconds=RETRY_DELAYS_S[0] + 1))
        assert (second.status, second.attempts) == ("sent", 2)
        assert len(away.messages) == 1
    finally:
        away.stop()


def test_a_refused_mailbox_is_final_and_logged(db, owner, experiment, run, smtp):
    _address(db, owner, "gone@example.com")
    smtp.refuse.add("gone@example.com")
    _email_rule(db, experiment, owner)
    completed(db, run, 3, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    [refused] = deliver_due(db, _channels(smtp))
    assert refused.status == "failed" and "SMTP 550" in refused.last_answer
    with db.session() as session:
        [logged] = list_deliveries(session, experiment.id)
    assert (logged.channel, logged.status) == ("email", "failed")


def test_without_an_smtp_server_emails_wait_and_say_why(db, owner, experiment, run):
    _address(db, owner, "olivia@example.com")
    _email_rule(db, experiment, owner)
    completed(db, run, 5, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    [waiting] = deliver_due(db, Channels())
    assert waiting.status == "pending" and "OPTUNAGUI_SMTP_HOST" in waiting.last_answer


def test_the_email_channel_needs_an_smtp_server(db, owner, experiment):
    with pytest.raises(RuleProblem) as caught:
        rule(db, experiment, owner, "metric_threshold", THRESHOLD,
             channels=["in_app", "email"])
    [(field, message)] = caught.value.problems
    assert field == "channels" and "OPTUNAGUI_SMTP_HOST" in message


def test_a_viewer_who_lost_access_gets_no_email(db, owner, viewer, experiment, run, smtp):
    _address(db, viewer, "vic@example.com")
    made = _email_rule(db, experiment, owner)
    with db.session() as session:
        set_subscribed(session, made.id, viewer.id, True)
        remove_member(session, experiment.id, viewer.id)
    completed(db, run, 6, roc_auc=0.99)
    AlertEvaluator(db).evaluate()
    assert deliver_due(db, _channels(smtp)) == []


@pytest.mark.parametrize("email", [
    "not an address", "ana@localhost", "ana@example.com\r\nBcc: eve@example.com", "@example.com",
    "a" * 250 + "@x.com", 42, "ana@@example.com", "ana@example..com",
])
def test_a_bad_address_is_refused_naming_the_field(db, owner, email):
    with db.session() as session:
        problem = set_email(session, owner.id, email)
    assert problem and problem.startswith("Email:") and "ana@example.com" in problem


def test_an_empty_address_clears_it(db, owner):
    _address(db, owner, "olivia@example.com")
    _address(db, owner, "  ")
    with db.session() as session:
        from optunagui.store.tables import User
        assert session.get(User, owner.id).email is None


@pytest.mark.parametrize(("environ", "variable"), [
    ({"OPTUNAGUI_SMTP_HOST": "mail", "OPTUNAGUI_SMTP_SENDER": "x"}, "OPTUNAGUI_SMTP_SENDER"),
    ({"OPTUNAGUI_SMTP_HOST": "mail"}, "OPTUNAGUI_SMTP_SENDER"),
    ({"OPTUNAGUI_SMTP_HOST": "mail", "OPTUNAGUI_SMTP_SENDER": "o@example.com",
      "OPTUNAGUI_SMTP_PORT": "70000"}, "OPTUNAGUI_SMTP_PORT"),
    ({"OPTUNAGUI_SMTP_HOST": "mail", "OPTUNAGUI_SMTP_SENDER": "o@example.com",
      "OPTUNAGUI_SMTP_TLS": "maybe"}, "OPTUNAGUI_SMTP_TLS"),
    ({"OPTUNAGUI_SMTP_HOST": "mail", "OPTUNAGUI_SMTP_SENDER": "o@example.com",
      "OPTUNAGUI_SMTP_USER": "me"}, "OPTUNAGUI_SMTP_PASSWORD"),
])
def test_bad_smtp_settings_name_the_variable(tmp_path, environ, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path), **environ})


def test_smtp_settings_default_their_port_by_tls_and_hide_the_password(tmp_path):
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path),
                              "OPTUNAGUI_SMTP_HOST": "mail.example.com",
                              "OPTUNAGUI_SMTP_SENDER": "o@example.com",
                              "OPTUNAGUI_SMTP_USER": "me", "OPTUNAGUI_SMTP_PASSWORD": "s3cret"})
    assert settings.smtp is not None
    assert (settings.smtp.port, settings.smtp.tls) == (587, "starttls")
    assert "s3cret" not in repr(settings)
    assert load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path)}).smtp is None
