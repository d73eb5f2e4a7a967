"""Similar earlier runs from the database: only runs the user may read, near-duplicates with at
least one complete trial, unexplored regions; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from optunagui.recommend import RunNotReadable, near_duplicates, similar_runs
from optunagui.store import create_experiment, create_run, create_user, set_member_role
from tests.recommend.stored import draft, store_run

IRIS = {"builtin": "iris"}
WINE = {"builtin": "wine"}
NARROW = {"max_features": {"type": "float", "low": 0.1, "high": 0.5}}


@pytest.fixture
def people(db):
    with db.session() as session:
        ids = {name: create_user(session, name, "hash", is_admin=name == "root").id
               for name in ("olivia", "otto", "vic", "root")}
        ids["alpha"] = create_experiment(session, "Alpha", ids["olivia"]).id
        ids["bravo"] = create_experiment(session, "Bravo", ids["otto"]).id
        set_member_role(session, ids["alpha"], ids["vic"], "viewer")
    return ids


def _similar(db, user_id, spec_or_run, **options):
    with db.session() as session:
        return similar_runs(session, user_id, spec_or_run, **options)


def test_similar_runs_put_a_planted_near_duplicate_first_and_dissimilar_runs_after(db, people):
    alpha, olivia = people["alpha"], people["olivia"]
    other_split = store_run(db, alpha, olivia, IRIS, split={"method": "holdout"})
    other_data = store_run(db, alpha, olivia, WINE)
    other_model = store_run(db, alpha, olivia, IRIS, model="extra_trees")
    twin = store_run(db, alpha, olivia, IRIS, n=30)
    found = _similar(db, olivia, draft(IRIS))
    assert found.compared == 4
    assert [r.run_id for r in found.runs][0] == twin
    assert [r.run_id for r in found.near_duplicates] == [twin]
    first = found.runs[0]
    assert first.score == pytest.approx(1.0) and first.similarity.parts["space"] == 1
    assert (first.n_trials, first.experiment, first.metric) == (30, "Alpha", "accuracy")
    assert -0.05 < first.best_value <= 0  # the planted score peaks at 0
    assert first.message.startswith("You ran this on ")
    assert f"after 30 trials (run {twin} in experiment Alpha)" in first.message
    scores = {r.run_id: r.score for r in found.runs}
    assert scores[twin] > scores[other_split] > scores[other_data]
    assert scores[other_split] > scores[other_model]
    assert not any(r.near_duplicate for r in found.runs if r.run_id != twin)
    assert found.verdict == first.message


def test_a_run_without_a_complete_trial_or_with_another_space_is_no_near_duplicate(db, people):
    alpha, olivia = people["alpha"], people["olivia"]
    with db.session() as session:
        create_run(session, alpha, "queued", draft(IRIS).to_dict(), created_by=olivia)
    store_run(db, alpha, olivia, IRIS, space=NARROW)
    found = _similar(db, olivia, draft(IRIS))
    assert found.compared == 2 and found.near_duplicates == ()
    assert found.verdict.startswith("not a near-duplicate")
    with db.session() as session:
        assert near_duplicates(session, olivia, draft(IRIS)) == ()
    twin = store_run(db, alpha, olivia, IRIS, n=1)
    with db.session() as session:
        assert [r.run_id for r in near_duplicates(session, olivia, draft(IRIS))] == [twin]


def test_similar_runs_show_only_runs_the_user_may_read(db, people):
    alpha_run = store_run(db, people["alpha"], people["olivia"], IRIS, seed=1)
    bravo_run = store_run(db, people["bravo"], people["otto"], IRIS, seed=2)
    spec = draft(IRIS)

    def ids(user, **options):
        found = _similar(db, people[user] if isinstance(user, str) else user, spec, **options)
        assert {r.run_id for r in found.near_duplicates} <= {r.run_id for r in found.runs}
        return sorted(r.run_id for r in found.runs)

    assert ids("olivia") == ids("vic") == [alpha_run]
    assert ids("otto") == [bravo_run]
    assert ids("root") == [alpha_run, bravo_run]
    with db.session() as session:
        nobody = create_user(session, "nobody", "hash").id
    assert ids(nobody) == []
    assert ids("root", may_read_run=lambda run_id: run_id == bravo_run) == [bravo_run]


def test_similar_runs_of_a_run_compare_earlier_runs_and_refuse_an_unreadable_run(db, people):
    alpha, olivia = people["alpha"], people["olivia"]
    first = store_run(db, alpha, olivia, IRIS, seed=1)
    second = store_run(db, alpha, olivia, IRIS, seed=2)
    later = store_run(db, alpha, olivia, IRIS, seed=3)
    found = _similar(db, olivia, second)
    assert [r.run_id for r in found.runs] == [first]
    assert [r.run_id for r in found.near_duplicates] == [first]
    assert later not in [r.run_id for r in found.runs]
    bravo_run = store_run(db, people["bravo"], people["otto"], IRIS)
    for user, run_id in (("olivia", bravo_run), ("otto", second), ("olivia", 10_000)):
        with pytest.raises(RunNotReadable, match=f"run {run_id}: no such run"):
            _similar(db, people[user], run_id)


def test_unexplored_regions_come_from_the_same_model_on_the_same_data(db, people):
    alpha, olivia = people["alpha"], people["olivia"]
    store_run(db, alpha, olivia, IRIS, space=NARROW)
    store_run(db, alpha, olivia, IRIS, model="extra_trees")  # another model: not counted
    found = _similar(db, olivia, draft(IRIS, space=NARROW))
    regions = {(u.name, u.low, u.high) for u in found.unexplored}
    assert ("max_features", 0.5, 1.0) in regions
    entry = next(u for u in found.unexplored if u.name == "max_features")
    assert entry.suggested == {"type": "float", "low": 0.1, "high": 1.0} and not entry.in_draft
    assert _similar(db, people["otto"], draft(IRIS)).unexplored == ()
    assert found.to_dict()["unexplored"][0]["text"].endswith("searched by no earlier similar run")


def test_closest_in_experiment_pairs_each_run_with_its_closest_earlier_readable_run(db, people):
    from optunagui.recommend.similar_runs import closest_in_experiment

    alpha, olivia = people["alpha"], people["olivia"]
    bravo_run = store_run(db, people["bravo"], people["otto"], IRIS, seed=1)
    first = store_run(db, alpha, olivia, IRIS, seed=2)
    wine = store_run(db, alpha, olivia, WINE, seed=3)
    again = store_run(db, alpha, olivia, IRIS, seed=4)
    with db.session() as session:
        found = closest_in_experiment(session, olivia, alpha)
        pairs = [(run.id, closest.run_id if closest else None) for run, closest in found]
        assert pairs == [(again, first), (wine, first), (first, None)]
        admin = closest_in_experiment(session, people["root"], alpha, max_runs=1)
        assert [(run.id, closest.run_id) for run, closest in admin] == [(again, first)]
        assert bravo_run not in [c.run_id for _, c in
                                 closest_in_experiment(session, people["vic"], alpha) if c]
        with pytest.raises(RunNotReadable, match="experiment"):
            closest_in_experiment(session, people["otto"], alpha)
