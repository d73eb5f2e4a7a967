from __future__ import annotations

import pytest

from optunagui.store import (
    Database,
    NotFound,
    Run,
    append_events,
    create_run,
    last_event_id,
    list_events_after,
)
from tests.store.conftest import SPEC


def _events(n: int, start: int = 0) -> list[dict]:
    return [
        {"kind": "result", "trial_number": i % 7, "step": i, "metrics": {"acc": i / 100}}
        for i in range(start, start + n)
    ]


def test_append_events_then_cursor_pages_in_order(db: Database, run: Run) -> None:
    with db.session() as session:
        assert append_events(session, run.id, _events(250)) == 250
        assert append_events(session, run.id, []) == 0
    seen: list[int] = []
    cursor = 0
    with db.session() as session:
        while page := list_events_after(session, run.id, cursor, limit=100):
            seen.extend(event.step for event in page)
            cursor = page[-1].id
        assert cursor == last_event_id(session, run.id)
    assert seen == list(range(250))


def test_list_events_after_only_sees_new_and_own_run(db: Database, run: Run) -> None:
    with db.session() as session:
        other = create_run(session, run.experiment_id, "other", SPEC)
        append_events(session, run.id, _events(3))
        append_events(session, other.id, _events(5))
        cursor = last_event_id(session, run.id)
        append_events(session, run.id, _events(2, start=3))
    with db.session() as session:
        new = list_events_after(session, run.id, cursor)
        assert [event.step for event in new] == [3, 4]
        assert all(event.run_id == run.id for event in new)
        assert new[0].metrics == {"acc": 0.03}
        assert new[0].created_at.tzinfo is not None
        assert list_events_after(session, run.id, cursor, limit=0) == []
        assert last_event_id(session, 999_999) == 0


def test_append_events_rejects_bad_kind_field_and_run(db: Database, run: Run) -> None:
    with db.session() as session:
        with pytest.raises(ValueError, match="unknown event kind"):
            append_events(session, run.id, [{"kind": "started"}, {"kind": "exploded"}])
        with pytest.raises(ValueError, match="unknown event field"):
            append_events(session, run.id, [{"kind": "started", "colour": "red"}])
        with pytest.raises(NotFound):
            append_events(session, 999_999, [{"kind": "started"}])
        assert list_events_after(session, run.id) == []
