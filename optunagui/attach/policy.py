"""Who may attach from where: files on the server are read for admins, and for owners only
inside the folders an admin lists in OPTUNAGUI_ATTACH_DIRS; database servers for owners."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from optunagui.attach.source import StudySource

__all__ = ["file_of", "refusal"]


def file_of(source: StudySource) -> Path | None:
    """The server file a storage reads (a journal or a SQLite database), else None."""
    if source.is_journal:
        return Path(source.url)
    url = make_url(source.url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database)
    return None


def refusal(source: StudySource, *, is_admin: bool, attach_dirs: Sequence[Path]) -> str | None:
    """Why this person may not attach from this storage, or None."""
    path = file_of(source)
    if is_admin or path is None:
        return None
    resolved = path.resolve()
    if any(resolved.is_relative_to(folder) for folder in attach_dirs):
        return None
    return ("storage: a file on the server is attached by an admin, or from a folder an admin "
            "allows (OPTUNAGUI_ATTACH_DIRS); a database server URL (postgresql://...) "
            "works for owners")
