"""Where an Optuna study lives: an RDB storage URL or a journal file, checked and shown safely.

The follower only reads: an RDB storage is opened with read-only transactions (SQLite in
read-only mode), a journal file is opened for reading. What readers of the product see is
`shown`, with any password hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["JOURNAL_PREFIX", "StudySource", "SourceError", "parse_source"]

JOURNAL_PREFIX = "journal:"
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
            "mysql": "mysql+pymysql"}
_RDB = ("sqlite", "postgresql", "mysql")


class SourceError(ValueError):
    """A storage the product cannot read, with what would be valid."""


@dataclass(frozen=True)
class StudySource:
    """A parsed storage: `kind` "rdb" (a SQLAlchemy URL) or "journal" (a file path)."""

    kind: str
    url: str
    shown: str

    @property
    def is_journal(self) -> bool:
        return self.kind == "journal"


def _rdb(url: URL, raw: str) -> StudySource:
    backend = url.get_backend_name()
    if backend not in _RDB:
        raise SourceError(f"storage: {raw!r} is not an Optuna storage; use an RDB URL "
                          "(sqlite:///path.db, postgresql://user@host/db, mysql://user@host/db) "
                          "or a journal file (journal:/path/to/journal.log)")
    if url.drivername in _DRIVERS:
        url = url.set(drivername=_DRIVERS[url.drivername])
    if backend == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise SourceError("storage: an in-memory SQLite database cannot be attached; "
                              "name the file (sqlite:///path/to/study.db)")
        if not Path(database).expanduser().is_file():
            raise SourceError(f"storage: no SQLite file at {database}")
        url = url.set(database=str(Path(database).expanduser().resolve()))
    full = url.render_as_string(hide_password=False)
    return StudySource("rdb", full, url.render_as_string(hide_password=True))


def parse_source(raw: str) -> StudySource:
    """The storage a person typed, as Optuna's `--storage` takes it, or a journal file.

    Raises:
        SourceError: not a URL of a supported database, a missing file, a journal file that is
            not one.
    """
    text = (raw or "").strip()
    if not text:
        raise SourceError("storage: give the study's storage URL (sqlite:///study.db, "
                          "postgresql://user@host/db) or journal file (journal:/path.log)")
    if text.startswith(JOURNAL_PREFIX) or "://" not in text:
        path = Path(text.removeprefix(JOURNAL_PREFIX).removeprefix("//")).expanduser()
        if not path.is_file():
            raise SourceError(f"storage: no journal file at {path}")
        with path.open("rb") as handle:
            head = handle.read(16)
        if head.startswith(b"SQLite format 3"):
            return _rdb(make_url(f"sqlite:///{path.resolve()}"), text)
        if head and not head.lstrip().startswith(b"{"):
            raise SourceError(f"storage: {path} is neither an Optuna journal file nor a SQLite "
                              "database")
        resolved = str(path.resolve())
        return StudySource("journal", resolved, f"{JOURNAL_PREFIX}{resolved}")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise SourceError(f"storage: {text!r} is not a database URL; expected e.g. "
                          "sqlite:///study.db or postgresql://user@host/db") from None
    return _rdb(url, text)
