from __future__ import annotations

import hashlib

from sqlalchemy import event

from optunagui.store import (
    Database,
    User,
    add_dataset_version,
    create_experiment,
    create_run,
    create_user,
    get_dataset_version,
)
from optunagui.store.datasets import list_experiment_versions, list_versions_by_name
from tests.store.conftest import SPEC

COLUMNS = [{"name": "x", "dtype": "float64"}, {"name": "y", "dtype": "int64"}]


def _add(session, name: str, content: bytes, **extra):
    sha = hashlib.sha256(content).hexdigest()
    return add_dataset_version(session, name=name, sha256=sha,
                               stored_path=f"/data/datasets/{sha}.csv", n_rows=len(content),
                               n_columns=2, columns=COLUMNS, size_bytes=len(content), **extra)


def test_same_content_is_one_version_and_changed_content_a_new_one(
    db: Database, owner: User
) -> None:
    with db.session() as session:
        first = _add(session, "churn", b"a,y\n1,0\n", added_by=owner.id)
        first_id = first.id
    with db.session() as session:
        assert _add(session, "churn", b"a,y\n1,0\n").id == first_id
        second_id = _add(session, "churn", b"a,y\n1,0\n2,1\n", added_by=owner.id).id
    with db.session() as session:
        versions = list_versions_by_name(session, "churn")
        assert [v.id for v in versions] == [second_id, first_id]
        assert [v.n_rows for v in versions] == [12, 8]
        kept = get_dataset_version(session, first_id)
        assert kept.sha256 == hashlib.sha256(b"a,y\n1,0\n").hexdigest()
        assert versions[1].short_hash == kept.sha256[:12]


def test_versions_by_name_list_who_added_them_and_the_runs_that_used_each(
    db: Database, owner: User, experiment
) -> None:
    with db.session() as session:
        other_user = create_user(session, "bob", "hash-bob")
        other = create_experiment(session, "elsewhere", other_user.id)
        old = _add(session, "churn", b"old", added_by=owner.id)
        new = _add(session, "churn", b"new", added_by=other_user.id)
        unrelated = _add(session, "prices", b"old")
        first = create_run(session, experiment.id, "first", SPEC, dataset_version_id=old.id)
        second = create_run(session, experiment.id, "second", SPEC, dataset_version_id=old.id)
        third = create_run(session, other.id, "third", SPEC, dataset_version_id=new.id)
        create_run(session, experiment.id, "prices run", SPEC, dataset_version_id=unrelated.id)
        ids = (old.id, new.id, first.id, second.id, third.id, experiment.id, other.id)
    old_id, new_id, first_id, second_id, third_id, exp_id, other_id = ids
    with db.session() as session:
        versions = list_versions_by_name(session, "churn")
        assert [(v.id, v.added_by_name) for v in versions] == [(new_id, "bob"), (old_id, "ada")]
        assert [(r.run_id, r.name, r.experiment_id, r.status) for r in versions[1].runs] == [
            (second_id, "second", exp_id, "queued"), (first_id, "first", exp_id, "queued")]
        assert [r.run_id for r in versions[0].runs] == [third_id]
        assert versions[0].runs_in(exp_id) == ()
        only_here = list_versions_by_name(session, "churn", experiment_ids=[exp_id])
        assert [len(v.runs) for v in only_here] == [0, 2]
        assert list_versions_by_name(session, "no such name") == []
        assert other_id != exp_id


def test_experiment_versions_group_by_name_in_few_queries(
    db: Database, owner: User, experiment
) -> None:
    with db.session() as session:
        old = _add(session, "churn", b"old", added_by=owner.id)
        new = _add(session, "churn", b"new")
        prices = _add(session, "prices", b"p")
        _add(session, "never used", b"n")
        for version in (old, new, prices):
            create_run(session, experiment.id, f"on {version.id}", SPEC,
                       dataset_version_id=version.id)
        create_run(session, experiment.id, "builtin", SPEC)
        expected = {"churn": [new.id, old.id], "prices": [prices.id]}
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.session() as session:
            grouped = list_experiment_versions(session, experiment.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert {name: [v.id for v in versions] for name, versions in grouped.items()} == expected
    assert all(len(v.runs) == 1 for versions in grouped.values() for v in versions)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3


def test_experiment_without_versioned_runs_has_no_dataset_names(
    db: Database, experiment
) -> None:
    with db.session() as session:
        create_run(session, experiment.id, "builtin", SPEC)
        assert list_experiment_versions(session, experiment.id) == {}
