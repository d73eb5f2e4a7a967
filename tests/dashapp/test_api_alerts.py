"""Alert rules and the inbox through the API: the delete's role matrix (a fresh rule for each
caller), rules refused by field, an outsider who neither reads nor changes another
experiment's rules and alerts, and the Python client against a real server."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashapp.state import state
from optunagui.alerts import AlertEvaluator, create_rule, get_rule, list_inbox
from optunagui.client import ApiError
from optunagui.store import append_events
from tests.dashapp.test_api_client import client_of, server_url  # noqa: F401  (fixtures)
from tests.dashapp.test_api_permissions import PARTIES, _headers, _outcome

RULES = "/api/v1/experiments/{}/alert-rules"
EXPECTED_DELETE = {"anonymous": "unauthorised", "revoked": "unauthorised", "outsider": "missing",
                   "viewer": "forbidden", "editor": "allowed", "read_only": "forbidden",
                   "owner": "allowed"}


def _rule(database, world, **kwargs):
    with database.session() as session:
        return create_rule(session, world.alpha, name=kwargs.pop("name", "AUC high"),
                           kind="metric_threshold",
                           params={"metric": "accuracy", "op": ">", "value": 0.5},
                           created_by=world.user_ids["olivia"], **kwargs)


def _fire(database, world):
    with database.session() as session:
        append_events(session, world.run_id, [
            {"kind": "completed", "trial_number": 4, "metrics": {"accuracy": 0.91}}])
    assert AlertEvaluator(database).evaluate().fired


def test_deleting_a_rule_answers_each_caller_by_role(app, world, database):
    client = app.server.test_client()
    for party in PARTIES:
        rule = _rule(database, world)
        response = client.delete(f"{RULES.format(world.alpha)}/{rule.id}",
                                 headers=_headers(party, world, database))
        assert _outcome(response) == EXPECTED_DELETE[party], (party, response.get_json())
        with database.session() as session:
            assert (get_rule(session, rule.id) is None) is (EXPECTED_DELETE[party] == "allowed")


@pytest.mark.parametrize("rule_id", ["987654", "99999999999999999999", "0", "x"])
def test_unknown_rule_ids_are_missing(app, world, database, rule_id):
    response = app.server.test_client().delete(
        f"{RULES.format(world.alpha)}/{rule_id}", headers=_headers("owner", world, database))
    assert response.status_code == 404 and "no such" in response.get_json()["error"]


def test_an_outsider_neither_reads_nor_changes_another_experiments_alerts(app, world,
                                                                          database):
    rule = _rule(database, world, subscribers=[world.user_ids["olivia"], world.user_ids["vic"]])
    _fire(database, world)
    client = app.server.test_client()
    otto = _headers("outsider", world, database)
    assert client.get(RULES.format(world.alpha), headers=otto).status_code == 404
    through_own = client.delete(f"{RULES.format(world.bravo)}/{rule.id}", headers=otto)
    assert through_own.status_code == 404
    inbox = client.get("/api/v1/alerts", headers=otto).get_json()
    assert inbox == {"alerts": [], "unread": 0}
    with database.session() as session:
        vic_entry = list_inbox(session, world.user_ids["vic"])[0]
        assert get_rule(session, rule.id) is not None
    marked = client.post("/api/v1/alerts/read", headers=otto,
                         json={"ids": [vic_entry.inbox_id]}).get_json()
    assert marked == {"changed": 0}
    vic = client.get("/api/v1/alerts", headers=_headers("viewer", world, database)).get_json()
    assert [a["id"] for a in vic["alerts"]] == [vic_entry.inbox_id] and vic["unread"] == 1
    assert vic["alerts"][0]["read"] is False


def test_a_bad_rule_names_each_field_and_creates_nothing(app, world, database):
    client = app.server.test_client()
    response = client.post(RULES.format(world.alpha), headers=_headers("editor", world, database),
                           json={"name": "x", "kind": "metric_threshold",
                                 "params": {"op": "=", "value": "high"}})
    assert response.status_code == 422
    fields = {p["field"] for p in response.get_json()["problems"]}
    assert fields == {"params.metric", "params.op", "params.value"}
    listed = client.get(RULES.format(world.alpha), headers=_headers("viewer", world, database))
    assert listed.get_json() == {"rules": []}
    neither = client.post("/api/v1/alerts/read", headers=_headers("viewer", world, database),
                          json={"ids": [1], "all": True})
    assert neither.status_code == 422


def test_a_script_makes_a_rule_and_reads_its_inbox(client_of, world, database):  # noqa: F811
    editor = client_of("ed")
    rule = editor.create_alert_rule(world.alpha, "accuracy above 0.5", "metric_threshold",
                                    {"metric": "accuracy", "op": ">", "value": 0.5})
    assert rule["description"] == "accuracy > 0.5 on any trial"
    assert rule["subscribers"] == [world.user_ids["ed"]]
    assert [r["id"] for r in client_of("vic").alert_rules(world.alpha)] == [rule["id"]]
    with pytest.raises(ApiError) as refused:
        client_of("vic").create_alert_rule(world.alpha, "no", "stalled", {"minutes": 1})
    assert refused.value.status == 403
    with pytest.raises(ApiError) as bad:
        editor.create_alert_rule(world.alpha, "bad", "stalled", {})
    assert "params.minutes" in str(bad.value.problems)
    _fire(database, world)
    inbox = editor.alerts(unread_only=True)
    assert inbox["unread"] == 1
    assert inbox["alerts"][0]["message"].startswith(
        "accuracy above 0.5: accuracy 0.91 > 0.5 on trial 4 of ")
    assert editor.mark_alerts_read() == 1
    assert editor.alerts(unread_only=True)["alerts"] == []
    assert editor.mark_alerts_read([inbox["alerts"][0]["id"]], read=False) == 1
    assert "deleted" in editor.delete_alert_rule(world.alpha, rule["id"])
    assert editor.alert_rules(world.alpha) == []


def test_a_webhook_rule_answers_its_secret_once_and_refuses_private_targets(
    app, world, database
):
    client = app.server.test_client()
    headers = _headers("editor", world, database)
    body = {"name": "to the team channel", "kind": "best_improves",
            "params": {"metric": "accuracy"},
            "webhook": {"url": "http://127.0.0.1:9/hook", "format": "slack"}}
    refused = client.post(RULES.format(world.alpha), headers=headers, json=body)
    assert refused.status_code == 422
    [problem] = refused.get_json()["problems"]
    assert problem["field"] == "webhook.url" and "OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS" in (
        problem["message"])

    current = state(app.server)  # an admin set OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS=1
    current.settings = replace(current.settings, allow_private_webhooks=True)
    made = client.post(RULES.format(world.alpha), headers=headers, json=body)
    assert made.status_code in (200, 201), made.get_json()
    answer = made.get_json()
    assert answer["channels"] == ["in_app", "webhook"] and len(answer["webhook_secret"]) > 20
    assert answer["webhook"] == {"url": "http://127.0.0.1:9/hook", "format": "slack"}
    listed = client.get(RULES.format(world.alpha), headers=_headers("viewer", world, database))
    [rule] = listed.get_json()["rules"]
    assert rule["webhook_secret"] is None


def test_a_script_sets_its_email_and_makes_an_email_rule(app, client_of, world, database):  # noqa: F811
    from optunagui.smtp import load_smtp_settings

    editor = client_of("ed")
    assert editor.account()["email"] is None
    assert editor.set_email("ed@example.com")["email"] == "ed@example.com"
    assert client_of("vic").account()["email"] is None  # each sets only their own
    with pytest.raises(ApiError) as bad:
        editor.set_email("ed at example")
    assert bad.value.status == 422 and bad.value.problems[0]["field"] == "email"
    assert editor.account()["email"] == "ed@example.com"

    with pytest.raises(ApiError) as no_smtp:
        editor.create_alert_rule(world.alpha, "by email", "stalled", {"minutes": 5},
                                 channels=["in_app", "email"])
    assert "OPTUNAGUI_SMTP_HOST" in str(no_smtp.value.problems)
    current = state(app.server)
    current.settings = replace(current.settings, smtp=load_smtp_settings({
        "OPTUNAGUI_SMTP_HOST": "mail.example.com", "OPTUNAGUI_SMTP_SENDER": "o@example.com"}))
    made = editor.create_alert_rule(world.alpha, "by email", "stalled", {"minutes": 5},
                                    channels=["in_app", "email"])
    assert made["channels"] == ["in_app", "email"]
