"""Alert rules: saved with their subscribers, cleaned, and refused with the field named."""

from __future__ import annotations

import pytest

from optunagui.alerts import (
    RuleProblem,
    clean_rule,
    create_rule,
    delete_rule,
    get_rule,
    list_rules,
    set_subscribed,
)
from optunagui.store import create_experiment, create_run
from optunagui.store.errors import NotFound


def _threshold(**overrides):
    params = {"metric": "roc_auc", "op": ">", "value": 0.97}
    params.update(overrides)
    return params


def test_rule_is_saved_with_its_creator_subscribed(db, owner, experiment, run):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="AUC above 0.97",
                           kind="metric_threshold", params=_threshold(), created_by=owner.id)
    with db.session() as session:
        again = get_rule(session, rule.id)
        listed = list_rules(session, experiment.id)
    assert again is not None
    assert again.subscribers == [owner.id]
    assert again.params == {"metric": "roc_auc", "op": ">", "value": 0.97, "scope": "any_trial"}
    assert again.channels == ["in_app"]
    assert again.description == "roc_auc > 0.97 on any trial"
    assert [r.id for r in listed] == [rule.id]


def test_rule_on_one_run_is_listed_for_that_run_only(db, owner, experiment, run):
    with db.session() as session:
        other = create_run(session, experiment.id, "other", {}, created_by=owner.id)
        on_run = create_rule(session, experiment.id, name="done", kind="run_status",
                             params={"statuses": ["failed", "completed"]},
                             created_by=owner.id, run_id=run.id)
        wide = create_rule(session, experiment.id, name="stall", kind="stalled",
                           params={"minutes": 10}, created_by=owner.id)
        assert on_run.params == {"statuses": ["completed", "failed"]}
        assert [r.id for r in list_rules(session, experiment.id, run_id=run.id)] == [
            on_run.id, wide.id]
        assert [r.id for r in list_rules(session, experiment.id, run_id=other.id)] == [wide.id]


def test_rule_on_a_run_of_another_experiment_is_refused(db, owner, experiment):
    with db.session() as session:
        elsewhere = create_experiment(session, "other", owner.id)
        foreign = create_run(session, elsewhere.id, "theirs", {}, created_by=owner.id)
        with pytest.raises(RuleProblem) as caught:
            create_rule(session, experiment.id, name="x", kind="stalled",
                        params={"minutes": 5}, created_by=owner.id, run_id=foreign.id)
    assert caught.value.problems[0][0] == "run_id"


def test_subscribers_must_be_members(db, owner, experiment, viewer, outsider):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="stall", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id,
                           subscribers=[owner.id, viewer.id])
        assert rule.subscribers == sorted([owner.id, viewer.id])
        with pytest.raises(RuleProblem, match="subscribers: user .* is not a member"):
            create_rule(session, experiment.id, name="s", kind="stalled",
                        params={"minutes": 5}, created_by=owner.id, subscribers=[outsider.id])
        set_subscribed(session, rule.id, viewer.id, False)
        assert get_rule(session, rule.id).subscribers == [owner.id]
        with pytest.raises(RuleProblem, match="user_id"):
            set_subscribed(session, rule.id, outsider.id, True)


def test_delete_rule_removes_it_and_unknown_is_not_found(db, owner, experiment):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="stall", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id)
    with db.session() as session:
        delete_rule(session, rule.id)
    with db.session() as session:
        assert get_rule(session, rule.id) is None
        assert list_rules(session, experiment.id) == []
        with pytest.raises(NotFound, match="alert rule"):
            delete_rule(session, rule.id)


def test_unknown_experiment_is_not_found(db, owner):
    with db.session() as session, pytest.raises(NotFound, match="experiment"):
        create_rule(session, 999, name="x", kind="stalled", params={"minutes": 1},
                    created_by=owner.id)


@pytest.mark.parametrize(("name", "kind", "params", "channels", "field"), [
    ("", "stalled", {"minutes": 5}, None, "name"),
    ("x" * 201, "stalled", {"minutes": 5}, None, "name"),
    ("r", "sometimes", {}, None, "kind"),
    ("r", "stalled", [], None, "params"),
    ("r", "stalled", {"minutes": 5}, ["sms"], "channels"),
    ("r", "stalled", {"minutes": 5}, [], "channels"),
    ("r", "stalled", {}, None, "params.minutes"),
    ("r", "stalled", {"minutes": -1}, None, "params.minutes"),
    ("r", "stalled", {"minutes": "ten"}, None, "params.minutes"),
    ("r", "stalled", {"minutes": 5, "hours": 1}, None, "params.hours"),
    ("r", "metric_threshold", {"op": ">", "value": 1}, None, "params.metric"),
    ("r", "metric_threshold", _threshold(op="=="), None, "params.op"),
    ("r", "metric_threshold", {"metric": "auc", "value": 1}, None, "params.op"),
    ("r", "metric_threshold", _threshold(value="high"), None, "params.value"),
    ("r", "metric_threshold", _threshold(value=float("nan")), None, "params.value"),
    ("r", "metric_threshold", _threshold(value=True), None, "params.value"),
    ("r", "metric_threshold", _threshold(scope="worst"), None, "params.scope"),
    ("r", "best_improves", {"direction": "up"}, None, "params.direction"),
    ("r", "run_status", {"statuses": ["exploded"]}, None, "params.statuses"),
    ("r", "run_status", {"statuses": []}, None, "params.statuses"),
    ("r", "no_improvement", {}, None, "params.trials"),
    ("r", "no_improvement", {"trials": 2.5}, None, "params.trials"),
    ("r", "failed_share", {"share": 1.5}, None, "params.share"),
    ("r", "failed_share", {"share": 0.2, "min_trials": 0}, None, "params.min_trials"),
])
def test_bad_rule_names_the_field(name, kind, params, channels, field):
    with pytest.raises(RuleProblem) as caught:
        clean_rule(name, kind, params, channels)
    fields = [problem_field for problem_field, _ in caught.value.problems]
    assert field in fields
    assert field in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(RuleProblem) as caught:
        clean_rule("", "metric_threshold", {"value": "x"}, ["pager"])
    fields = {field for field, _ in caught.value.problems}
    assert fields == {"name", "channels", "params.metric", "params.op", "params.value"}


def test_nothing_is_saved_when_a_rule_is_refused(db, owner, experiment):
    with db.session() as session:
        with pytest.raises(RuleProblem):
            create_rule(session, experiment.id, name="r", kind="stalled", params={},
                        created_by=owner.id)
        assert list_rules(session, experiment.id) == []


def test_an_admin_may_subscribe_without_membership(db, owner, experiment):
    from optunagui.store import create_user

    with db.session() as session:
        admin = create_user(session, "root", "hash-root", is_admin=True)
        rule = create_rule(session, experiment.id, name="s", kind="stalled",
                           params={"minutes": 5}, created_by=admin.id)
    assert rule.subscribers == [admin.id]


def test_deleting_the_experiment_takes_its_rules_alerts_and_cursors(db, owner, experiment, run):
    from sqlalchemy import func, select

    from optunagui.alerts import AlertEvaluator
    from optunagui.store import append_events, delete_experiment
    from optunagui.store.alerts import Alert, AlertCursor, AlertRule, InboxItem

    with db.session() as session:
        create_rule(session, experiment.id, name="t", kind="metric_threshold",
                    params={"metric": "roc_auc", "op": ">", "value": 0}, created_by=owner.id)
        append_events(session, run.id, [{"kind": "completed", "trial_number": 0,
                                         "metrics": {"roc_auc": 0.9}}])
    assert len(AlertEvaluator(db).evaluate().fired) == 1
    with db.session() as session:
        delete_experiment(session, experiment.id)
    with db.session() as session:
        for table in (AlertRule, Alert, InboxItem, AlertCursor):
            assert session.scalar(select(func.count()).select_from(table)) == 0
