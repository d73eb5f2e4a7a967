"""Attaching a study: one run of kind "attached" per study, and its first mirror.

The one function behind `optunagui attach`, the experiment page's "Attach a study" and the
admins' list of studies not attached yet; the caller checks the person may own runs in the
experiment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from optunagui import store
from optunagui.attach.follower import poll_run
from optunagui.attach.mirror import metric_names_of
from optunagui.attach.readers import ReaderCache, StudyReader, open_reader
from optunagui.attach.source import JOURNAL_PREFIX, SourceError, StudySource, parse_source
from optunagui.attach.trial import StudyHead
from optunagui.spec import ExperimentSpec
from optunagui.status import RunStatus
from optunagui.store import AttachedStudy, Database

__all__ = ["AttachError", "AttachedRun", "attach_studies", "is_product_database",
           "mirror_until_caught_up", "stop_following"]

class AttachError(ValueError):
    """Why a study cannot be attached, naming the field (storage, study, experiment)."""


@dataclass(frozen=True)
class AttachedRun:
    run_id: int
    study: str
    mirrored: int
    error: str | None = None


def is_product_database(source: StudySource, database_url: str) -> bool:
    """Whether the storage is the product's own database (users' scripts writing there)."""
    if source.is_journal:
        return False
    try:
        ours, theirs = make_url(database_url), make_url(source.url)
    except Exception:  # noqa: BLE001 - an unparsable URL is not ours
        return False
    ours = ours.set(drivername=ours.get_backend_name(), query={})
    theirs = theirs.set(drivername=theirs.get_backend_name(), query={})
    if ours.get_backend_name() != theirs.get_backend_name():
        return False
    if ours.get_backend_name() == "sqlite":
        return bool(ours.database and theirs.database) and (
            Path(str(ours.database)).resolve() == Path(str(theirs.database)).resolve())
    return (ours.host, ours.port, ours.database) == (theirs.host, theirs.port, theirs.database)


def _unreadable(source: StudySource, error: Exception) -> AttachError:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    return AttachError(f"storage: cannot read {source.shown}: "
                       f"{reason[0] if reason else type(error).__name__}")


def _stored_url(source: StudySource) -> str:
    return f"{JOURNAL_PREFIX}{source.url}" if source.is_journal else source.url


def _heads(reader: StudyReader, source: StudySource, names: list[str]) -> list[StudyHead]:
    runs = reader.product_run_studies()
    studies = [s for s in reader.list_studies() if s.name not in runs]
    if not names:
        if len(studies) == 1:
            names = [studies[0].name]
        elif not studies:
            raise AttachError(f"storage: {source.shown} holds no Optuna study")
        else:
            raise AttachError("study: the storage holds several studies; name one or more ("
                              + ", ".join(s.name for s in studies[:20]) + ")")
    heads = []
    for name in names:
        if name in runs:
            raise AttachError(f"study: {name!r} is a run of OptunaGui in {source.shown}; open "
                              "it there (its experiment's members can read it)")
        head = reader.study(name)
        if head is None:
            known = ", ".join(s.name for s in studies[:20]) or "none"
            raise AttachError(f"study: no study named {name!r} in {source.shown}; "
                              f"studies there: {known}")
        heads.append(head)
    return heads


def _attached_spec(head: StudyHead, source: StudySource, tracking: dict | None) -> dict:
    names = metric_names_of(head.directions, head.metric_names)
    raw: dict = {
        "name": head.name[:200],
        "attached": {"study": head.name, "storage": source.shown},
        "metrics": [{"name": n, "direction": d} for n, d in
                    zip(names, head.directions, strict=True)],
    }
    if tracking:
        raw["tracking"] = tracking
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValueError as error:
        raise AttachError(f"tracking: {error}") from None
    return spec.to_dict()


def _create(db: Database, head: StudyHead, source: StudySource, experiment_id: int,
            user_id: int | None, ours: bool, tracking: dict | None) -> int:
    stored = _stored_url(source)
    with db.session() as session:
        taken = session.scalar(select(AttachedStudy.run_id).where(
            AttachedStudy.storage_url == stored, AttachedStudy.study_name == head.name))
        if taken is not None:
            raise AttachError(f"study: {head.name!r} is attached already, as run {taken}")
        if ours and store.get_run_by_study_name(session, head.name) is not None:
            raise AttachError(f"study: {head.name!r} is a run of the product already")
        study_name = head.name if ours else f"attached-{uuid.uuid4().hex[:12]}"
        try:
            run = store.create_run(session, experiment_id, head.name,
                                   _attached_spec(head, source, tracking),
                                   created_by=user_id,
                                   study_name=study_name[:200], current_space={})
        except store.NotFound as error:
            raise AttachError(f"experiment: {error}") from None
        run.n_trials_budget = None
        session.add(AttachedStudy(run_id=run.id, storage_url=stored,
                                  storage_shown=source.shown, study_name=head.name,
                                  external_study_id=head.study_id,
                                  trial_cursor=-1 if source.is_journal else 0,
                                  open_trials={}, version=0, following=True,
                                  mirrored_trials=0))
        return run.id


def mirror_until_caught_up(db: Database, run_id: int, readers: ReaderCache) -> AttachedRun:
    """Poll until a poll brings less than a whole chunk (the study's history is in)."""
    total = 0
    while True:
        outcome = poll_run(db, run_id, readers)
        total += outcome.mirrored
        with db.session() as session:
            row = store.get_attached(session, run_id)
            name = row.study_name if row is not None else ""
        if outcome.error or outcome.ended or outcome.raced or outcome.mirrored == 0:
            return AttachedRun(run_id, name, total, outcome.error)
        if outcome.mirrored < 5000:
            return AttachedRun(run_id, name, total)


def attach_studies(db: Database, *, storage: str, studies: list[str] | None,
                   experiment_id: int, user_id: int | None, database_url: str,
                   follow: bool = True, mirror_now: bool = True,
                   tracking: dict | None = None) -> list[AttachedRun]:
    """Attach each named study (or the storage's only one) to the experiment.

    Args:
        follow: keep following it (the server's follower, or `optunagui follow`); False:
            mirror it once and end the run as completed.
        mirror_now: mirror the history before returning (the command line); the dashboard
            leaves it to the follower.
        tracking: the spec's ``tracking`` section (MLflow, W&B): the follower logs the study
            there as it mirrors it.

    Raises:
        AttachError: the storage, a study or the experiment, with what would be valid.
    """
    try:
        source = parse_source(storage)
    except SourceError as error:
        raise AttachError(str(error)) from None
    try:
        reader = open_reader(source)
    except Exception as error:  # noqa: BLE001 - any driver's failure to connect
        raise _unreadable(source, error) from None
    try:
        heads = _heads(reader, source, list(studies or []))
    except AttachError:
        raise
    except Exception as error:  # noqa: BLE001 - any driver's failure to read
        raise _unreadable(source, error) from None
    finally:
        reader.close()
    ours = is_product_database(source, database_url)
    run_ids = [_create(db, head, source, experiment_id, user_id, ours, tracking)
               for head in heads]
    results = []
    readers = ReaderCache()
    try:
        for run_id, head in zip(run_ids, heads, strict=True):
            result = (mirror_until_caught_up(db, run_id, readers) if mirror_now or not follow
                      else AttachedRun(run_id, head.name, 0))
            if not follow:
                stop_following(db, run_id, reason="attached once, not followed")
            results.append(result)
    finally:
        readers.close()
    return results


def stop_following(db: Database, run_id: int, *, reason: str = "no longer followed") -> None:
    """End the following of an attached run: it keeps what was mirrored, as completed."""
    with db.session() as session:
        row = store.get_attached(session, run_id)
        if row is None:
            raise AttachError(f"run: run {run_id} is not an attached study")
        row.following = False
        run = store.get_run(session, run_id)
        if run is not None and run.status in (RunStatus.queued, RunStatus.running):
            if run.status == RunStatus.queued:
                store.update_run_status(session, run_id, RunStatus.running.value)
            store.update_run_status(session, run_id, RunStatus.completed.value, reason=reason)
