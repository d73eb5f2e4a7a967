"""The data directory and the SQLite database hold password hashes and every dataset: the
product creates them for their user only (0700 / 0600), whatever the umask, and leaves alone
the mode of a folder or file that already exists."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from optunagui.cli import main
from optunagui.config import load_settings, private_files
from optunagui.store import Database, create_user


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems start with, under which files come out world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_data_directory_is_private(tmp_path):
    settings = load_settings({"OPTUNAGUI_DATA_DIR": str(tmp_path / "new" / "data")})
    assert settings.data_dir.is_dir() and _mode(settings.data_dir) == 0o700


def test_an_existing_data_directory_keeps_the_mode_its_owner_gave_it(tmp_path):
    mine = tmp_path / "shared-data"
    mine.mkdir(mode=0o750)
    load_settings({"OPTUNAGUI_DATA_DIR": str(mine)})
    assert _mode(mine) == 0o750


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path):
    path = tmp_path / "fresh" / "optunagui.db"
    database = Database(f"sqlite:///{path}")
    try:
        database.upgrade()
        with database.session() as session:
            create_user(session, "ada", "hash-ada")
        with database.engine.connect() as connection:  # holds the -wal and -shm files open
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert _mode(path.parent) == 0o700
    finally:
        database.dispose()


def test_an_existing_readable_database_is_left_alone_with_a_warning(tmp_path, caplog):
    path = tmp_path / "optunagui.db"
    path.touch(mode=0o644)
    with caplog.at_level(logging.WARNING, logger="optunagui.store.db"):
        Database(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o644
    assert "can be read by other users" in caplog.text and "chmod 600" in caplog.text


def test_commands_create_their_files_private_and_restore_the_umask(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)  # a folder the user made: its files are private all the same
    monkeypatch.setenv("OPTUNAGUI_DATA_DIR", str(data_dir))
    monkeypatch.delenv("OPTUNAGUI_DATABASE_URL", raising=False)
    source = tmp_path / "shop.csv"
    source.write_text("size,label\n" + "".join(f"{i},{i % 2}\n" for i in range(8)))
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    assert _mode(data_dir) == 0o755
    assert _mode(data_dir / "datasets") == 0o700
    assert _mode(data_dir / "optunagui.db") == 0o600
    assert all(_mode(p) == 0o600 for p in (data_dir / "datasets").iterdir())
    assert os.umask(0o022) == 0o022  # main() put the process's umask back


def test_private_files_sets_and_restores_the_umask(tmp_path):
    with private_files():
        (tmp_path / "inside").write_text("x")
        (tmp_path / "folder").mkdir()
    (tmp_path / "outside").write_text("x")
    assert _mode(tmp_path / "inside") == 0o600 and _mode(tmp_path / "folder") == 0o700
    assert _mode(tmp_path / "outside") == 0o644
