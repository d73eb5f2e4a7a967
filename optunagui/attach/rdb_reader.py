"""Reading an Optuna RDB storage directly, by row id, with read-only transactions.

Optuna's tables give every new trial, parameter, value and intermediate value a larger id
than the ones before, and only trials still running or waiting ever change. So a poll reads
the trials after the cursor plus the few still open, whatever the size of the study: the
100,000th trial costs what the 10th did.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

from optunagui.attach.trial import ExternalTrial, StudyHead, as_utc

__all__ = ["RdbStudyReader", "read_only_engine"]

_META = MetaData()
STUDIES = Table("studies", _META, Column("study_id", Integer), Column("study_name", String))
DIRECTIONS = Table("study_directions", _META, Column("study_id", Integer),
                   Column("direction", String), Column("objective", Integer))
STUDY_USER = Table("study_user_attributes", _META, Column("study_id", Integer),
                   Column("key", String), Column("value_json", Text))
STUDY_SYSTEM = Table("study_system_attributes", _META, Column("study_id", Integer),
                     Column("key", String), Column("value_json", Text))
TRIALS = Table("trials", _META, Column("trial_id", Integer), Column("number", Integer),
               Column("study_id", Integer), Column("state", String),
               Column("datetime_start", DateTime), Column("datetime_complete", DateTime))
PARAMS = Table("trial_params", _META, Column("trial_id", Integer), Column("param_name", String),
               Column("param_value", Float), Column("distribution_json", Text))
VALUES = Table("trial_values", _META, Column("trial_id", Integer), Column("objective", Integer),
               Column("value", Float), Column("value_type", String))
INTERMEDIATE = Table("trial_intermediate_values", _META, Column("trial_id", Integer),
                     Column("step", Integer), Column("intermediate_value", Float),
                     Column("intermediate_value_type", String))
USER_ATTRS = Table("trial_user_attributes", _META, Column("trial_id", Integer),
                   Column("key", String), Column("value_json", Text))
SYSTEM_ATTRS = Table("trial_system_attributes", _META, Column("trial_id", Integer),
                     Column("key", String), Column("value_json", Text))

_IN_CHUNK = 500
_SPECIAL = {"INF_POS": math.inf, "INF_NEG": -math.inf, "NAN": math.nan}


def read_only_engine(url: str) -> Engine:
    """An engine whose sessions cannot write: SQLite opened read-only, other databases with
    read-only transactions for the whole session."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true",
                             connect_args={"timeout": 10})
    engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2,
                           pool_recycle=1800)
    statement = ("SET SESSION TRANSACTION READ ONLY" if engine.dialect.name == "mysql"
                 else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.commit()

    return engine


@lru_cache(maxsize=4096)
def _distribution(text: str) -> Any:
    from optuna.distributions import json_to_distribution

    return json_to_distribution(text)


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text


def _is_attached_spec(text: str | None) -> bool:
    spec = _json(text)
    return isinstance(spec, dict) and bool(spec.get("attached"))


def _number(value: float | None, kind: str | None) -> float | None:
    if kind in _SPECIAL:
        return _SPECIAL[kind]
    return None if value is None else float(value)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield list(ids[start:start + _IN_CHUNK])


class RdbStudyReader:
    """Optuna's tables in one database, read without Optuna's storage layer."""

    def __init__(self, url: str) -> None:
        self.engine = read_only_engine(url)

    def close(self) -> None:
        self.engine.dispose()

    def product_run_studies(self) -> set[str]:
        """When this database is an OptunaGui database (ours or another one), the study
        names of its runs: those are read there, with its permissions, never attached."""
        names = inspect(self.engine).get_table_names()
        if "runs" not in names or "run_trials" not in names:
            return set()
        runs = Table("runs", MetaData(), Column("study_name", String),
                     Column("spec", Text))
        with self.engine.connect() as connection:
            return {name for name, spec in connection.execute(
                select(runs.c.study_name, runs.c.spec)) if not _is_attached_spec(spec)}

    def has_studies_table(self) -> bool:
        return inspect(self.engine).has_table("studies")

    def list_studies(self) -> list[StudyHead]:
        if not self.has_studies_table():
            return []
        with self.engine.connect() as connection:
            counts: dict[int, int] = dict(connection.execute(
                select(TRIALS.c.study_id, func.count()).group_by(TRIALS.c.study_id)).all())
            rows = connection.execute(select(STUDIES.c.study_id, STUDIES.c.study_name)
                                      .order_by(STUDIES.c.study_id)).all()
            directions = self._directions(connection, None)
        return [StudyHead(study_id, name, directions.get(study_id, []),
                          n_trials=counts.get(study_id, 0)) for study_id, name in rows]

    def study(self, name: str) -> StudyHead | None:
        if not self.has_studies_table():
            return None
        with self.engine.connect() as connection:
            study_id = connection.scalar(
                select(STUDIES.c.study_id).where(STUDIES.c.study_name == name))
            if study_id is None:
                return None
            directions = self._directions(connection, study_id).get(study_id, [])
            user = {k: _json(v) for k, v in connection.execute(
                select(STUDY_USER.c.key, STUDY_USER.c.value_json)
                .where(STUDY_USER.c.study_id == study_id))}
            system = {k: _json(v) for k, v in connection.execute(
                select(STUDY_SYSTEM.c.key, STUDY_SYSTEM.c.value_json)
                .where(STUDY_SYSTEM.c.study_id == study_id))}
        names = system.get("study:metric_names")
        return StudyHead(int(study_id), name, directions,
                         list(names) if isinstance(names, list) else None, user, system)

    def study_exists(self, study_id: int, name: str) -> bool:
        with self.engine.connect() as connection:
            return connection.scalar(select(STUDIES.c.study_id).where(
                STUDIES.c.study_id == study_id, STUDIES.c.study_name == name)) is not None

    def visible_trial_ids(self, low: int, high: int, ids: Sequence[int] = ()) -> set[int]:
        """The trial ids in (low, high] and among `ids` that any study holds: an id missing
        there was taken by a transaction not yet committed (or rolled back)."""
        found: set[int] = set()
        with self.engine.connect() as connection:
            if high > low:
                found.update(connection.scalars(select(TRIALS.c.trial_id).where(
                    TRIALS.c.trial_id > low, TRIALS.c.trial_id <= high)))
            for chunk in _chunks(list(ids)):
                found.update(connection.scalars(select(TRIALS.c.trial_id).where(
                    TRIALS.c.trial_id.in_(chunk))))
        return found

    @staticmethod
    def _directions(connection: Any, study_id: int | None) -> dict[int, list[str]]:
        query = select(DIRECTIONS.c.study_id, DIRECTIONS.c.direction).order_by(
            DIRECTIONS.c.study_id, DIRECTIONS.c.objective)
        if study_id is not None:
            query = query.where(DIRECTIONS.c.study_id == study_id)
        found: dict[int, list[str]] = {}
        for sid, direction in connection.execute(query):
            found.setdefault(int(sid), []).append(str(direction).lower())
        return found

    def changes(self, study_id: int, after_trial_id: int, open_ids: Sequence[int],
                limit: int) -> list[ExternalTrial]:
        """The trials after the cursor (at most `limit`, by id) and the open ones, whole."""
        with self.engine.connect() as connection:
            rows = list(connection.execute(
                select(*TRIALS.c).where(TRIALS.c.study_id == study_id,
                                        TRIALS.c.trial_id > after_trial_id)
                .order_by(TRIALS.c.trial_id).limit(limit)))
            reopened = [i for i in open_ids if i <= after_trial_id]
            for chunk in _chunks(reopened):
                rows.extend(connection.execute(
                    select(*TRIALS.c).where(TRIALS.c.trial_id.in_(chunk),
                                            TRIALS.c.study_id == study_id)))
            trials = {row.trial_id: ExternalTrial(
                int(row.trial_id), int(row.number), str(row.state),
                as_utc(row.datetime_start), as_utc(row.datetime_complete)) for row in rows}
            if not trials:
                return []
            new_ids = [i for i in trials if i > after_trial_id]
            self._fill(connection, trials, study_id, after_trial_id,
                       max(new_ids) if new_ids else None, reopened)
        return sorted(trials.values(), key=lambda t: t.trial_id)

    def _fill(self, connection: Any, trials: dict[int, ExternalTrial], study_id: int,
              after: int, last_new: int | None, reopened: Sequence[int]) -> None:
        def where(table: Table) -> list[Any]:
            clauses = []
            if last_new is not None:
                clauses.append(and_(table.c.trial_id > after, table.c.trial_id <= last_new,
                                    table.c.trial_id.in_(
                                        select(TRIALS.c.trial_id).where(
                                            TRIALS.c.study_id == study_id,
                                            TRIALS.c.trial_id > after,
                                            TRIALS.c.trial_id <= last_new))))
            clauses.extend(table.c.trial_id.in_(chunk) for chunk in _chunks(reopened))
            return clauses

        for clause in where(PARAMS):
            for trial_id, name, value, dist in connection.execute(select(
                    PARAMS.c.trial_id, PARAMS.c.param_name, PARAMS.c.param_value,
                    PARAMS.c.distribution_json).where(clause)):
                trial = trials[trial_id]
                trial.params[name] = _distribution(dist).to_external_repr(value)
                trial.distributions[name] = dist
        for clause in where(VALUES):
            found: dict[int, dict[int, float | None]] = {}
            for trial_id, objective, value, kind in connection.execute(select(
                    VALUES.c.trial_id, VALUES.c.objective, VALUES.c.value,
                    VALUES.c.value_type).where(clause)):
                found.setdefault(trial_id, {})[int(objective)] = _number(value, kind)
            for trial_id, by_objective in found.items():
                trials[trial_id].values = [by_objective.get(i) for i in range(
                    max(by_objective) + 1)]
        for clause in where(INTERMEDIATE):
            for trial_id, step, value, kind in connection.execute(select(
                    INTERMEDIATE.c.trial_id, INTERMEDIATE.c.step,
                    INTERMEDIATE.c.intermediate_value,
                    INTERMEDIATE.c.intermediate_value_type).where(clause)):
                trials[trial_id].intermediate[int(step)] = _number(value, kind)  # type: ignore[assignment]
        for clause in where(USER_ATTRS):
            for trial_id, key, value in connection.execute(select(
                    USER_ATTRS.c.trial_id, USER_ATTRS.c.key, USER_ATTRS.c.value_json
            ).where(clause)):
                trials[trial_id].user_attrs[key] = _json(value)
        for clause in where(SYSTEM_ATTRS):
            for trial_id, value in connection.execute(select(
                    SYSTEM_ATTRS.c.trial_id, SYSTEM_ATTRS.c.value_json).where(
                    clause, SYSTEM_ATTRS.c.key == "fail_reason")):
                reason = _json(value)
                trials[trial_id].fail_reason = str(reason) if reason is not None else None
