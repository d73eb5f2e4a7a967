"""Storages as people type them (passwords never shown), who may attach server files, and
external trials as the product's rows and events."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from optunagui.attach.mirror import Known, metric_names_of, mirror_trials
from optunagui.attach.policy import refusal
from optunagui.attach.source import SourceError, parse_source
from optunagui.attach.trial import ExternalTrial

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_database_urls_get_a_driver_and_hide_their_password() -> None:
    source = parse_source("postgresql://ml:s3cret@db.team:5432/studies")
    assert source.url == "postgresql+psycopg://ml:s3cret@db.team:5432/studies"
    assert "s3cret" not in source.shown and source.shown.startswith("postgresql+psycopg://ml:")
    assert parse_source("mysql://u:pw@h/db").url.startswith("mysql+pymysql://")
    assert "pw" not in parse_source("mysql://u:pw@h/db").shown


def test_files_are_sqlite_or_journal(tmp_path: Path) -> None:
    import optuna

    db = tmp_path / "s.db"
    optuna.create_study(storage=f"sqlite:///{db}")
    assert parse_source(str(db)).kind == "rdb"  # a bare path to a SQLite file
    journal = tmp_path / "j.log"
    journal.write_text('{"op_code": 0}\n')
    assert parse_source(f"journal:{journal}").kind == "journal"
    assert parse_source(str(journal)).kind == "journal"


@pytest.mark.parametrize(("raw", "says"), [
    ("", "give the study's storage"),
    ("sqlite://", "in-memory SQLite"),
    ("sqlite:///:memory:", "in-memory SQLite"),
    ("redis://localhost/0", "not an Optuna storage"),
    ("journal:/no/such/file.log", "no journal file"),
    ("postgresql://[::1", "not a database URL"),
])
def test_bad_storages_say_what_would_do(raw: str, says: str) -> None:
    with pytest.raises(SourceError, match="storage:") as error:
        parse_source(raw)
    assert says in str(error.value)


def test_server_files_are_for_admins_or_from_allowed_folders(tmp_path: Path) -> None:
    import optuna

    allowed, other = tmp_path / "allowed", tmp_path / "other"
    for folder in (allowed, other):
        folder.mkdir()
        optuna.create_study(storage=f"sqlite:///{folder / 's.db'}")
    inside = parse_source(f"sqlite:///{allowed / 's.db'}")
    outside = parse_source(f"sqlite:///{other / 's.db'}")
    assert refusal(inside, is_admin=False, attach_dirs=[allowed.resolve()]) is None
    assert "admin" in (refusal(outside, is_admin=False, attach_dirs=[allowed.resolve()]) or "")
    assert refusal(outside, is_admin=True, attach_dirs=[]) is None
    network = parse_source("postgresql://u@db/x")
    assert refusal(network, is_admin=False, attach_dirs=[]) is None


def _trial(number: int, state: str, **fields) -> ExternalTrial:
    return ExternalTrial(number + 100, number, state, T0, T0 + timedelta(seconds=3)
                         if state not in ("RUNNING", "WAITING") else None, **fields)


def test_a_trial_seen_running_then_finished_gives_each_event_once() -> None:
    running = _trial(0, "RUNNING", params={"x": 1.0}, intermediate={0: 0.5, 1: 0.4})
    first = mirror_trials([running], {}, ["loss"])
    assert [e["kind"] for e in first.events] == ["started", "result", "result"]
    assert first.rows[0]["state"] == "running" and first.rows[0]["last_step"] == 1
    done = _trial(0, "COMPLETE", params={"x": 1.0}, intermediate={0: 0.5, 1: 0.4, 2: 0.3},
                  values=[0.3], user_attrs={"fold_scores": [0.2, 0.4]})
    second = mirror_trials([done], {0: Known("running", 1)}, ["loss"])
    assert [(e["kind"], e.get("step")) for e in second.events] == [("result", 2),
                                                                   ("completed", 2)]
    row = second.rows[0]
    assert row["state"] == "complete" and row["values"] == [0.3] and row["duration_s"] == 3.0
    assert row["user_attrs"]["fold_scores"] == {"loss": [0.2, 0.4]}
    assert mirror_trials([done], {0: Known("complete", 2)}, ["loss"]).rows == []


def test_pruned_failed_waiting_and_infinite_values() -> None:
    pruned = _trial(1, "PRUNED", intermediate={0: 0.9, 3: 0.8})
    failed = _trial(2, "FAIL", fail_reason="Traceback ...\nValueError: bad batch size")
    waiting = _trial(3, "WAITING")
    infinite = _trial(4, "COMPLETE", values=[math.inf, 1.0])
    batch = mirror_trials([pruned, failed, waiting, infinite], {}, ["a", "b"])
    rows = {row["number"]: row for row in batch.rows}
    assert set(rows) == {1, 2, 4}
    assert rows[1]["state"] == "pruned" and rows[1]["last_step"] == 3
    assert rows[2]["error"].endswith("bad batch size")
    failed_event = next(e for e in batch.events if e["kind"] == "failed")
    assert failed_event["metrics"]["message"] == "ValueError: bad batch size"
    assert rows[4]["values"] == [None, 1.0]
    assert batch.finished == 3


def test_metric_names_follow_the_study() -> None:
    assert metric_names_of(["minimize"], None) == ["value"]
    assert metric_names_of(["minimize", "maximize"], None) == ["value_0", "value_1"]
    assert metric_names_of(["minimize", "maximize"], ["loss", "acc"]) == ["loss", "acc"]
    assert metric_names_of(["minimize"], ["a", "b"]) == ["value"]
