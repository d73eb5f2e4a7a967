from __future__ import annotations

import hashlib

import pytest

from optunagui.store import (
    Database,
    NotFound,
    User,
    add_dataset_version,
    create_run,
    get_dataset_version,
    list_dataset_versions,
)
from tests.store.conftest import SPEC

COLUMNS = [{"name": "sepal_length", "dtype": "float64"}, {"name": "species", "dtype": "object"}]


def _version(name: str, content: bytes, **extra) -> dict:
    sha = hashlib.sha256(content).hexdigest()
    return dict(name=name, sha256=sha, stored_path=f"/data/datasets/{sha}.csv", n_rows=150,
                n_columns=2, columns=COLUMNS, size_bytes=len(content), **extra)


def test_add_dataset_version_is_idempotent_on_name_and_hash(db: Database, owner: User) -> None:
    with db.session() as session:
        first = add_dataset_version(session, **_version("iris", b"a"), added_by=owner.id,
                                    original_filename="iris.csv")
    with db.session() as session:
        again = add_dataset_version(session, **_version("iris", b"a"))
        assert again.id == first.id and again.added_by == owner.id
        other_name = add_dataset_version(session, **_version("flowers", b"a"))
        newer = add_dataset_version(session, **_version("iris", b"b"))
    with db.session() as session:
        assert [v.id for v in list_dataset_versions(session, "iris")] == [newer.id, first.id]
        assert len(list_dataset_versions(session)) == 3
        assert get_dataset_version(session, other_name.id).columns == COLUMNS
        assert get_dataset_version(session, 999_999) is None


def test_add_dataset_version_rejects_bad_hash_name_user(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(ValueError, match="sha256"):
            add_dataset_version(session, **{**_version("iris", b"a"), "sha256": "abc"})
        with pytest.raises(ValueError, match="name"):
            add_dataset_version(session, **_version(" ", b"a"))
        with pytest.raises(NotFound):
            add_dataset_version(session, **_version("iris", b"a"), added_by=999_999)


def test_run_links_dataset_version(db: Database, experiment, owner: User) -> None:
    with db.session() as session:
        version = add_dataset_version(session, **_version("iris", b"a"))
        run = create_run(session, experiment.id, "r", SPEC, dataset_version_id=version.id)
        assert run.dataset_version_id == version.id
