"""A large run read for an overview without reading every trial's row.

A figure of a 100,000-trial run needs each complete trial's number and first value (two
columns, the value read out of its JSON by the database), the full rows of only the trials it
draws in detail, and counts. Each function here costs an indexed range of the run's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from optunagui.store.tables import Trial
from optunagui.store.trials import TrialRow, decode_rows, row_columns

__all__ = ["latest_started_before", "latest_trials", "primary_values", "trials_by_numbers"]

_TABLE = Trial.__table__
_CHUNK = 500


def primary_values(session: Session, run_id: int) -> list[tuple[int, float]]:
    """(number, first value) of every complete trial with a value, by number."""
    first = cast(_TABLE.c["values"][0].as_float(), Float)
    rows = session.execute(
        select(_TABLE.c.number, first)
        .where(_TABLE.c.run_id == run_id, _TABLE.c.state == "complete", first.is_not(None))
        .order_by(_TABLE.c.number)
    ).all()
    return [(int(number), float(value)) for number, value in rows]


def latest_trials(session: Session, run_id: int, states: Iterable[str], limit: int
                  ) -> list[TrialRow]:
    """The ``limit`` highest-numbered trials in ``states``, by number."""
    query = (select(*row_columns())
             .where(_TABLE.c.run_id == run_id, _TABLE.c.state.in_(list(states)))
             .order_by(_TABLE.c.number.desc()).limit(limit))
    return decode_rows(session.execute(query).all())[::-1]


def trials_by_numbers(session: Session, run_id: int, numbers: Iterable[int]) -> list[TrialRow]:
    """The rows of the named trials, by number."""
    wanted = sorted({n for n in numbers if isinstance(n, int)})
    found: list[TrialRow] = []
    for start in range(0, len(wanted), _CHUNK):
        query = select(*row_columns()).where(
            _TABLE.c.run_id == run_id, _TABLE.c.number.in_(wanted[start:start + _CHUNK]))
        found.extend(decode_rows(session.execute(query).all()))
    return sorted(found, key=lambda row: row.number)


def latest_started_before(session: Session, run_id: int,
                          moments: Sequence[datetime | None]) -> list[int]:
    """For each moment, the highest number among trials started at or before it (-1 when none;
    a moment of None: among every trial)."""
    found = []
    for moment in moments:
        query = select(func.max(_TABLE.c.number)).where(_TABLE.c.run_id == run_id,
                                                        _TABLE.c.started_at.is_not(None))
        if moment is not None:
            query = query.where(_TABLE.c.started_at <= moment)
        highest = session.scalar(query)
        found.append(int(highest) if highest is not None else -1)
    return found
