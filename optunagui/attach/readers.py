"""One reader per storage, kept open between polls and replaced after a failure."""

from __future__ import annotations

import threading
from typing import Protocol

from optunagui.attach.journal_reader import JournalStudyReader
from optunagui.attach.rdb_reader import RdbStudyReader
from optunagui.attach.source import StudySource
from optunagui.attach.trial import ExternalTrial, StudyHead

__all__ = ["ReaderCache", "StudyReader", "open_reader"]


class StudyReader(Protocol):
    def list_studies(self) -> list[StudyHead]: ...

    def study(self, name: str) -> StudyHead | None: ...

    def product_run_studies(self) -> set[str]: ...

    def study_exists(self, study_id: int, name: str) -> bool: ...

    def visible_trial_ids(self, low: int, high: int, ids: list[int] = ...) -> set[int]: ...

    def changes(self, study_id: int, after_trial_id: int, open_ids: list[int],
                limit: int) -> list[ExternalTrial]: ...

    def close(self) -> None: ...


def open_reader(source: StudySource) -> StudyReader:
    if source.is_journal:
        return JournalStudyReader(source.url)
    return RdbStudyReader(source.url)


class ReaderCache:
    """Readers by storage URL; `forget` drops a broken one so the next poll reconnects."""

    def __init__(self) -> None:
        self._readers: dict[tuple[str, str], StudyReader] = {}
        self._lock = threading.Lock()

    def get(self, source: StudySource) -> StudyReader:
        key = (source.kind, source.url)
        with self._lock:
            reader = self._readers.get(key)
            if reader is None:
                reader = self._readers[key] = open_reader(source)
            return reader

    def forget(self, source: StudySource) -> None:
        with self._lock:
            reader = self._readers.pop((source.kind, source.url), None)
        if reader is not None:
            try:
                reader.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close
                pass

    def close(self) -> None:
        with self._lock:
            readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            reader.close()
