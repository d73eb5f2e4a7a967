"""Studies users' scripts wrote into the product's own database that no run holds yet."""

from __future__ import annotations

from sqlalchemy import select

from optunagui.attach.rdb_reader import RdbStudyReader
from optunagui.attach.trial import StudyHead
from optunagui.store import Database
from optunagui.store.tables import Run

__all__ = ["list_unattached_studies"]


def list_unattached_studies(db: Database, database_url: str) -> list[StudyHead]:
    """Optuna studies in the product's database that are neither runs of the product nor
    attached, by name."""
    with db.session() as session:
        taken = set(session.scalars(select(Run.study_name)))
    reader = RdbStudyReader(database_url)
    try:
        studies = reader.list_studies()
    finally:
        reader.close()
    return sorted((s for s in studies if s.name not in taken), key=lambda s: s.name)
