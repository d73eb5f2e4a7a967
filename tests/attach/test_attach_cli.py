"""`optunagui attach` and `optunagui follow` as a user runs them: the tutorial's objective
writing from two processes at once, attached while it runs; journal files; bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from optunagui.config import Settings
from optunagui.store import Database, get_attached, get_run
from tests.attach.mirror_check import mirror_problems

HERE = Path(__file__).resolve().parent
OBJECTIVE = HERE / "tutorial_objective.py"


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "optunagui", *args], capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _writers(storage: str, study: str, n: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, str(OBJECTIVE), storage, study, str(n)])
            for _ in range(2)]


@pytest.mark.slow
def test_a_study_written_by_two_processes_attached_while_it_runs(
        tmp_settings: Settings, tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'shared_study.db'}"
    optuna.create_study(study_name="tutorial", storage=storage)
    writers = _writers(storage, "tutorial", 40)
    attached = json.loads(_cli("attach", storage, "--study", "tutorial", "--experiment",
                               "team", "--json").stdout)
    run_id = attached[0]["run_id"]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    _cli("follow", "--once")
    db = Database(tmp_settings.database_url)
    try:
        assert mirror_problems(db, run_id, storage, "tutorial") == []
        with db.session() as session:
            run = get_run(session, run_id)
            assert run.spec["attached"] == {"study": "tutorial", "storage": storage}
            assert run.spec["metrics"] == [{"name": "value", "direction": "minimize"}]
            assert run.status == "running" and run.best_value is not None
            assert get_attached(session, run_id).mirrored_trials == 80
    finally:
        db.dispose()
    status = json.loads(_cli("status", str(run_id), "--json").stdout)
    assert status["n_complete"] == 80 and status["status"] == "running"


def test_a_journal_file_is_attached_once_and_not_followed(tmp_settings: Settings,
                                                          tmp_path: Path) -> None:
    journal = tmp_path / "journal.log"
    subprocess.run([sys.executable, str(OBJECTIVE), f"journal:{journal}", "j", "6"],
                   check=True, timeout=120)
    out = _cli("attach", f"journal:{journal}", "--once", "--experiment", "team").stdout
    assert "6 trials mirrored" in out
    db = Database(tmp_settings.database_url)
    try:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        with db.session() as session:
            from optunagui.store.attached import AttachedStudy

            run_id = session.query(AttachedStudy).one().run_id
            assert get_run(session, run_id).status == "completed"
        storage = JournalStorage(JournalFileBackend(str(journal)))
        assert mirror_problems(db, run_id, storage, "j") == []
    finally:
        db.dispose()


def test_bad_input_names_the_field_and_what_would_do(tmp_settings: Settings,
                                                     tmp_path: Path) -> None:
    missing = _cli("attach", f"sqlite:///{tmp_path / 'nope.db'}", check=False)
    assert missing.returncode == 1 and "storage: no SQLite file at" in missing.stderr
    web = _cli("attach", "http://example.org/study", check=False)
    assert "storage:" in web.stderr and "sqlite:///" in web.stderr
    storage = f"sqlite:///{tmp_path / 'two.db'}"
    for name in ("a", "b"):
        optuna.create_study(study_name=name, storage=storage)
    several = _cli("attach", storage, check=False)
    assert "study: the storage holds several studies" in several.stderr and "a, b" in several.stderr
    unknown = _cli("attach", storage, "--study", "c", check=False)
    assert "study: no study named 'c'" in unknown.stderr and "studies there: a, b" in unknown.stderr
    _cli("attach", storage, "--study", "a")
    twice = _cli("attach", storage, "--study", "a", check=False)
    assert "attached already, as run" in twice.stderr
    listed = json.loads(_cli("attach", storage, "--list", "--json").stdout)
    assert [row["study"] for row in listed] == ["a", "b"]
    not_a_journal = tmp_path / "notes.txt"
    not_a_journal.write_text("hello")
    assert "neither an Optuna journal" in _cli("attach", str(not_a_journal), check=False).stderr


def test_studies_written_into_the_products_database_are_listed_until_attached(
        tmp_settings: Settings) -> None:
    _cli("attach", "--list")  # migrates the database
    optuna.create_study(study_name="from-a-notebook", storage=tmp_settings.database_url)
    listed = json.loads(_cli("attach", "--list", "--json").stdout)
    assert [row["study"] for row in listed] == ["from-a-notebook"]
    _cli("attach", tmp_settings.database_url, "--study", "from-a-notebook")
    assert json.loads(_cli("attach", "--list", "--json").stdout) == []


def test_pipeline_and_report_of_an_attached_study(tmp_settings: Settings, tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'p.db'}"
    subprocess.run([sys.executable, str(OBJECTIVE), storage, "p", "5"], check=True, timeout=120)
    run_id = json.loads(_cli("attach", storage, "--json").stdout)[0]["run_id"]
    steps = json.loads(_cli("pipeline", str(run_id), "--json").stdout)
    assert [step["key"] for step in steps] == ["run", "attached", "model", "trials"]
    attached = steps[1]["fields"]
    assert attached["study"] == "p" and attached["storage"] == storage
    assert attached["mirrored_trials"] == 5 and attached["following"] is True
    assert steps[0]["fields"]["study_name"] == "p"
    assert steps[3]["fields"]["complete"] == 5
    report = tmp_path / "report.html"
    done = _cli("report", str(run_id), "--output", str(report))
    assert "Traceback" not in done.stderr
    assert "x" in report.read_text()
