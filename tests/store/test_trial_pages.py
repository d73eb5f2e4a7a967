"""page_trials: one page of a run's trials, sorted and filtered by the database itself (on
SQLite and PostgreSQL), including parameters and values read out of their JSON columns."""

from __future__ import annotations

import pytest

from optunagui.store import (
    Database,
    Run,
    TrialCondition,
    TrialFilter,
    TrialSort,
    page_trials,
    upsert_trials,
)

BOOSTERS = ("gbdt", "dart", "goss")


@pytest.fixture
def trials(db: Database, run: Run) -> Run:
    rows = []
    for number in range(30):
        state = "failed" if number % 10 == 9 else "complete"
        rows.append({
            "number": number,
            "state": state,
            "params": {"lr": number / 100, "booster": BOOSTERS[number % 3]},
            "values": None if state == "failed" else [1.0 - abs(number - 17) / 20],
            "error": "ValueError: 100% bad_input" if state == "failed" else None,
            "worker": f"node-{number % 2}",
        })
    with db.session() as session:
        upsert_trials(session, run.id, rows)
    return run


def _numbers(db: Database, run: Run, **query) -> tuple[list[int], int]:
    query.setdefault("offset", 0)
    query.setdefault("limit", 100)
    with db.session() as session:
        page = page_trials(session, run.id, **query)
    return [row.number for row in page.rows], page.total


def test_pages_follow_the_trial_number_and_never_overlap(db: Database, trials: Run) -> None:
    first, total = _numbers(db, trials, offset=0, limit=12)
    second, _ = _numbers(db, trials, offset=12, limit=12)
    last, _ = _numbers(db, trials, offset=24, limit=12)
    assert total == 30 and first + second + last == list(range(30))
    newest, _ = _numbers(db, trials, limit=3, sort=[TrialSort("number", descending=True)])
    assert newest == [29, 28, 27]


def test_sorting_by_a_value_puts_trials_without_one_last(db: Database, trials: Run) -> None:
    best, _ = _numbers(db, trials, sort=[TrialSort(("value", 0), descending=True)])
    assert best[0] == 17 and best[-3:] == [9, 19, 29]
    worst, _ = _numbers(db, trials, sort=[TrialSort(("value", 0))])
    assert worst[0] == 0 and worst[-3:] == [9, 19, 29]


def test_sorting_and_filtering_by_parameters_in_the_json_column(db: Database,
                                                                trials: Run) -> None:
    by_lr, _ = _numbers(db, trials, limit=2, sort=[TrialSort(("param", "lr", "number"),
                                                             descending=True)])
    assert by_lr == [29, 28]
    dart, total = _numbers(db, trials, filters=[TrialFilter(
        ("param", "booster", "text"), (TrialCondition("equals", "DART"),))])
    assert total == 10 and dart == list(range(1, 30, 3))
    small, total = _numbers(db, trials, filters=[TrialFilter(
        ("param", "lr", "number"), (TrialCondition("inRange", 0.05, 0.08),))])
    assert small == [5, 6, 7, 8] and total == 4


def test_conditions_combine_with_and_or_or(db: Database, trials: Run) -> None:
    either, _ = _numbers(db, trials, filters=[TrialFilter(
        "number", (TrialCondition("lessThan", 2), TrialCondition("greaterThan", 27)),
        any_of=True)])
    assert either == [0, 1, 28, 29]
    both, total = _numbers(db, trials, filters=[
        TrialFilter("state", (TrialCondition("equals", "complete"),)),
        TrialFilter(("value", 0), (TrialCondition("greaterThanOrEqual", 0.9),)),
        TrialFilter("worker", (TrialCondition("endsWith", "-1"),))])
    assert both == [15, 17] and total == 2


def test_text_filters_match_wildcards_literally(db: Database, trials: Run) -> None:
    literal, _ = _numbers(db, trials, filters=[TrialFilter(
        "error", (TrialCondition("contains", "100% bad_"),))])
    assert literal == [9, 19, 29]
    nothing, total = _numbers(db, trials, filters=[TrialFilter(
        "error", (TrialCondition("contains", "1_0%"),))])
    assert nothing == [] and total == 0
    blank, _ = _numbers(db, trials, filters=[TrialFilter(("value", 0),
                                                         (TrialCondition("blank"),))])
    assert blank == [9, 19, 29]


@pytest.mark.parametrize(("query", "named"), [
    ({"sort": [TrialSort("params")]}, "not a trial field"),
    ({"sort": [TrialSort(("value", -1))]}, "not a trial field"),
    ({"filters": [TrialFilter("number", (TrialCondition("equals", "ten"),))]}, "needs a number"),
    ({"filters": [TrialFilter("state", (TrialCondition("like", "x"),))]}, "not a text filter"),
    ({"filters": [TrialFilter("number", (TrialCondition("regex", 1),))]}, "not a number filter"),
    ({"offset": -1}, "offset must be"),
])
def test_a_field_or_filter_it_does_not_know_is_refused_by_name(db: Database, trials: Run,
                                                               query, named) -> None:
    with pytest.raises(ValueError, match=named):
        _numbers(db, trials, **query)
