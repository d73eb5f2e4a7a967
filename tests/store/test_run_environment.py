"""The environment each driver start records on its run: appended, never replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from optunagui.store import Database, NotFound, Run, get_run
from optunagui.store.runs import set_run_environment

PACKAGES = {"python": "3.12.1", "optuna": "4.1.0", "ray": "2.40.0"}
CLUSTER = {"resources": {"CPU": 8.0, "GPU": 1.0}, "nodes": 2}


def test_new_run_has_no_environment(db: Database, run: Run) -> None:
    with db.session() as session:
        assert get_run(session, run.id).environment is None


def test_environment_entries_accumulate_in_order(db: Database, run: Run) -> None:
    first_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with db.session() as session:
        entries = set_run_environment(session, run.id, packages=PACKAGES, cluster=CLUSTER,
                                      at=first_at)
    assert entries == [{"at": "2026-01-02T03:04:05+00:00", "packages": PACKAGES,
                        "cluster": CLUSTER}]
    with db.session() as session:
        set_run_environment(session, run.id, packages={**PACKAGES, "ray": "2.41.0"},
                            cluster={"resources": {"CPU": 4.0}, "nodes": 1})
    with db.session() as session:
        stored = get_run(session, run.id).environment
    assert [e["packages"]["ray"] for e in stored] == ["2.40.0", "2.41.0"]
    assert [e["cluster"]["nodes"] for e in stored] == [2, 1]
    assert stored[0]["at"] == "2026-01-02T03:04:05+00:00"
    assert datetime.fromisoformat(stored[1]["at"]) > first_at


def test_environment_versions_are_stored_as_text(db: Database, run: Run) -> None:
    with db.session() as session:
        set_run_environment(session, run.id, packages={"numpy": 2}, cluster={})
    with db.session() as session:
        assert get_run(session, run.id).environment[0]["packages"] == {"numpy": "2"}


def test_environment_of_an_unknown_run_is_refused(db: Database) -> None:
    with db.session() as session, pytest.raises(NotFound):
        set_run_environment(session, 999, packages=PACKAGES, cluster=CLUSTER)


def test_environment_column_is_nullable_json(db: Database) -> None:
    columns = {c["name"]: c for c in inspect(db.engine).get_columns("runs")}
    assert columns["environment"]["nullable"] is True
    assert db.current_revision() == db.head_revision()
