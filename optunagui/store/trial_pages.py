"""One page of a run's trials, sorted and filtered in the database.

A field is a column of the trial (``number``, ``state``, ``duration_s``, ``last_step``,
``worker``, ``started_at``, ``error``), one of its values (``("value", 0)``) or one of its
parameters (``("param", name, "number" | "text")``, read out of the JSON column with the
dialect's own JSON path operator). The page costs an indexed range of the run's rows, not a
read of the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, String, and_, cast, func, not_, or_, select
from sqlalchemy.orm import Session

from optunagui.store.tables import Trial
from optunagui.store.trials import TrialRow, decode_rows, row_columns

__all__ = ["NUMBER_OPS", "TEXT_OPS", "TrialCondition", "TrialFilter", "TrialPage", "TrialSort",
           "page_trials"]

_TABLE = Trial.__table__
COLUMNS = {
    "number": "number",
    "state": "state",
    "duration_s": "duration_s",
    "last_step": "last_step",
    "worker": "worker",
    "started_at": "started_at",
    "error": "error",
}
TEXT_COLUMNS = {"state", "worker", "error", "started_at"}
NUMBER_OPS = ("equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
              "greaterThanOrEqual", "inRange", "blank", "notBlank")
TEXT_OPS = ("contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank",
            "notBlank")

Field = str | tuple[Any, ...]


@dataclass(frozen=True)
class TrialSort:
    field: Field
    descending: bool = False


@dataclass(frozen=True)
class TrialCondition:
    op: str
    value: Any = None
    value_to: Any = None


@dataclass(frozen=True)
class TrialFilter:
    field: Field
    conditions: tuple[TrialCondition, ...]
    any_of: bool = False  # OR between the conditions instead of AND


@dataclass(frozen=True)
class TrialPage:
    rows: list[TrialRow]
    total: int


def _is_text(field: Field) -> bool:
    if isinstance(field, str):
        return field in TEXT_COLUMNS
    return field[0] == "param" and len(field) > 2 and field[2] == "text"


def _expression(field: Field) -> Any:
    if isinstance(field, str):
        if field not in COLUMNS:
            raise ValueError(f"not a trial field: {field!r}")
        column = _TABLE.c[COLUMNS[field]]
        return cast(column, String) if field == "started_at" else column
    kind = field[0]
    if kind == "value" and isinstance(field[1], int) and field[1] >= 0:
        return cast(_TABLE.c["values"][field[1]].as_float(), Float)
    if kind == "param" and isinstance(field[1], str):
        item = _TABLE.c["params"][field[1]]
        return item.as_string() if _is_text(field) else cast(item.as_float(), Float)
    raise ValueError(f"not a trial field: {field!r}")


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a number filter needs a number, not {value!r}")
    return float(value)


def _number_condition(column: Any, condition: TrialCondition) -> Any:
    op = condition.op
    if op == "blank":
        return column.is_(None)
    if op == "notBlank":
        return column.is_not(None)
    value = _number(condition.value)
    if op == "inRange":
        return and_(column >= value, column <= _number(condition.value_to))
    comparisons = {"equals": column == value, "notEqual": column != value,
                   "lessThan": column < value, "lessThanOrEqual": column <= value,
                   "greaterThan": column > value, "greaterThanOrEqual": column >= value}
    if op not in comparisons:
        raise ValueError(f"not a number filter: {op!r} (one of {', '.join(NUMBER_OPS)})")
    return comparisons[op]


def _text_condition(column: Any, condition: TrialCondition) -> Any:
    op = condition.op
    if op == "blank":
        return or_(column.is_(None), column == "")
    if op == "notBlank":
        return and_(column.is_not(None), column != "")
    if not isinstance(condition.value, str):
        raise ValueError(f"a text filter needs text, not {condition.value!r}")
    lowered, text = func.lower(column), condition.value.lower()
    comparisons = {"contains": lowered.contains(text, autoescape=True),
                   "notContains": not_(lowered.contains(text, autoescape=True)),
                   "equals": lowered == text, "notEqual": lowered != text,
                   "startsWith": lowered.startswith(text, autoescape=True),
                   "endsWith": lowered.endswith(text, autoescape=True)}
    if op not in comparisons:
        raise ValueError(f"not a text filter: {op!r} (one of {', '.join(TEXT_OPS)})")
    return comparisons[op]


def _where(filter_: TrialFilter) -> Any:
    column = _expression(filter_.field)
    build = _text_condition if _is_text(filter_.field) else _number_condition
    clauses = [build(column, c) for c in filter_.conditions]
    return or_(*clauses) if filter_.any_of else and_(*clauses)


def page_trials(
    session: Session,
    run_id: int,
    *,
    offset: int,
    limit: int,
    sort: Sequence[TrialSort] = (),
    filters: Sequence[TrialFilter] = (),
) -> TrialPage:
    """Rows ``offset`` to ``offset + limit`` of the run's trials in the asked order (trial
    number last, so pages never overlap) and how many trials pass the filters.

    Raises ValueError for a field or a filter it does not know.
    """
    if offset < 0 or limit < 1:
        raise ValueError("offset must be >= 0 and limit >= 1")
    conditions = [_TABLE.c.run_id == run_id, *(_where(f) for f in filters)]
    order = []
    for item in sort:
        column = _expression(item.field)
        order.append(column.desc().nulls_last() if item.descending else column.asc().nulls_last())
    order.append(_TABLE.c.number.desc() if any(
        s.field == "number" and s.descending for s in sort) else _TABLE.c.number)
    query = select(*row_columns()).where(*conditions).order_by(*order)
    rows = session.execute(query.offset(offset).limit(limit)).all()
    total = session.scalar(select(func.count()).select_from(_TABLE).where(*conditions)) or 0
    return TrialPage(decode_rows(rows), int(total))
