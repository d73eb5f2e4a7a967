"""The inbox: a recipient's alerts, read or unread, only while they may read the experiment."""

from __future__ import annotations

from optunagui.alerts import count_unread, create_rule, list_alerts, list_inbox, mark_read
from optunagui.store import remove_member
from optunagui.store.alerts import Alert, InboxItem


def _alert(session, rule, run, key, users):
    alert = Alert(rule_id=rule.id, experiment_id=rule.experiment_id, run_id=run.id,
                  trial_number=3, key=key, message=f"fired {key}", value=0.98)
    session.add(alert)
    session.flush()
    for user in users:
        session.add(InboxItem(alert_id=alert.id, user_id=user.id))
    session.flush()
    return alert


def test_inbox_lists_newest_first_and_marks_read(db, owner, experiment, run, viewer):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="AUC", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id)
        _alert(session, rule, run, "a", [owner, viewer])
        _alert(session, rule, run, "b", [owner])
    with db.session() as session:
        entries = list_inbox(session, owner.id)
        assert [e.message for e in entries] == ["fired b", "fired a"]
        assert entries[0].rule_name == "AUC" and entries[0].experiment_name == "iris"
        assert entries[0].run_id == run.id and entries[0].trial_number == 3
        assert count_unread(session, owner.id) == 2
        newer = list_inbox(session, owner.id, after_id=entries[1].inbox_id)
        assert [e.message for e in newer] == ["fired b"]
        assert mark_read(session, owner.id, [entries[1].inbox_id]) == 1
    with db.session() as session:
        assert count_unread(session, owner.id) == 1
        assert [e.message for e in list_inbox(session, owner.id, unread_only=True)] == [
            "fired b"]
        assert count_unread(session, viewer.id) == 1
        assert mark_read(session, owner.id, None) == 1
        assert mark_read(session, owner.id, [entries[1].inbox_id], read=False) == 1
        assert count_unread(session, owner.id) == 1
        assert [e.message for e in list_alerts(session, experiment.id)] == ["fired b",
                                                                          "fired a"]


def test_no_one_marks_or_sees_anothers_entries(db, owner, experiment, run, viewer):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="AUC", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id)
        _alert(session, rule, run, "a", [owner])
    with db.session() as session:
        own = list_inbox(session, owner.id)[0]
        assert mark_read(session, viewer.id, [own.inbox_id]) == 0
        assert list_inbox(session, viewer.id) == []
        assert count_unread(session, owner.id) == 1


def test_a_removed_member_no_longer_sees_the_experiments_alerts(db, owner, experiment, run,
                                                                viewer):
    with db.session() as session:
        rule = create_rule(session, experiment.id, name="AUC", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id)
        _alert(session, rule, run, "a", [viewer])
        assert count_unread(session, viewer.id) == 1
        remove_member(session, experiment.id, viewer.id)
    with db.session() as session:
        assert list_inbox(session, viewer.id) == []
        assert count_unread(session, viewer.id) == 0


def test_get_inbox_entry_is_the_users_own(db, owner, experiment, run, viewer):
    from optunagui.alerts import get_inbox_entry

    with db.session() as session:
        rule = create_rule(session, experiment.id, name="AUC", kind="stalled",
                           params={"minutes": 5}, created_by=owner.id)
        _alert(session, rule, run, "a", [owner])
        _alert(session, rule, run, "b", [owner])
        first, second = reversed(list_inbox(session, owner.id))
        assert get_inbox_entry(session, owner.id, first.inbox_id).message == "fired a"
        assert get_inbox_entry(session, owner.id, second.inbox_id).message == "fired b"
        assert get_inbox_entry(session, viewer.id, first.inbox_id) is None
