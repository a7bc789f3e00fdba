"""Stored rows that no longer pass: named, left out of what is shown, and kept for the caller.

A row written by an older version of hipcoach, or brought in by a past import, may
hold a value today's checks refuse (a screen dated 9999-12-31, plan days that are not
days). Such a row must never stop a command. Each reader turns rows into records
through one function per table that returns the record or a `RowProblem`; the reader
leaves the problems out and reports them here. The edge that runs a command (the CLI,
a web page) opens `collecting_row_problems()` and shows what it gathered; with none
open, a problem is logged. `hipcoach doctor` runs the same functions over every row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

from hipcoach.domain import validation as bounds
from hipcoach.domain.validation import ValueBoundsError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# A stored event may be a little ahead of this machine's clock (another device's clock),
# not days ahead: the same day of skew an imported file is allowed.
FUTURE_SKEW: Final = bounds.FILE_CLOCK_SKEW
# Nothing hipcoach stores happened before this (back-filled measurements have their own).
EARLIEST_EVENT: Final = bounds.EARLIEST_EVENT
# What a person types into one text field; longer text came from somewhere else.
TEXT_CAP: Final = 10_000

T = TypeVar("T")


@dataclass(frozen=True)
class RowProblem:
    """One stored row that does not pass: which table and row, which field, and why."""

    table: str
    row_id: int | str
    field: str
    message: str

    def describe(self) -> str:
        """The problem in one line: 'screens row 4, taken_at: 9999-12-31 is in the future'."""
        return f"{self.table} row {self.row_id}, {self.field}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as plain data, for --json and the API."""
        return {
            "table": self.table,
            "id": self.row_id,
            "field": self.field,
            "message": self.message,
        }


class RowInvalid(Exception):  # noqa: N818  # a signal inside converters, never shown as is
    """Raised inside a per-table converter: the field that failed and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


_collector: ContextVar[list[RowProblem] | None] = ContextVar("row_problems", default=None)


@contextmanager
def collecting_row_problems() -> Iterator[list[RowProblem]]:
    """Gather every row problem the readers meet inside the block, each once, in order."""
    found: list[RowProblem] = []
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def report(problem: RowProblem) -> None:
    """Hand a left-out row to the open collector, or log it when there is none."""
    found = _collector.get()
    if found is None:
        log.warning("hipcoach: left out %s (see hipcoach doctor)", problem.describe())
    elif problem not in found:
        found.append(problem)


def convert(table: str, row_id: int | str, build: Callable[[], T]) -> T | RowProblem:
    """`build()`, or the RowProblem that says why this row cannot become a record."""
    try:
        return build()
    except RowInvalid as exc:
        return RowProblem(table, row_id, exc.field, exc.message)
    except (KeyError, ValueError, TypeError, OverflowError, AttributeError) as exc:
        # Parsing the stored JSON or an enum failed somewhere below: name the row anyway.
        return RowProblem(table, row_id, "row", f"cannot be read ({exc})")


def converted(
    rows: Iterable[Any], convert: Callable[[Any], T | RowProblem]
) -> list[T | RowProblem]:
    """Each row of `rows_of` through its table's converter (a problem stays a problem)."""
    return [row if isinstance(row, RowProblem) else convert(row) for row in rows]


def kept(results: Iterable[T | RowProblem]) -> list[T]:
    """The records among `results`; each problem is reported and left out."""
    records: list[T] = []
    for result in results:
        if isinstance(result, RowProblem):
            report(result)
        else:
            records.append(result)
    return records


# What the database driver's own conversion raises for a value it cannot turn into the
# column's type: text in a date column on SQLite, a number past what Python dates hold.
UNLOADABLE: Final = (ValueError, TypeError, OverflowError)


def rows_of(db: Session, query: Any, table: Any, *, entities: bool = True) -> list[Any]:
    """The rows of `query` on `table` (ORM entities, or column tuples when not `entities`).

    A row whose stored values the driver cannot even convert would stop the whole read;
    then the rows are read one by one by id, and each such row becomes the RowProblem
    that names it and its column (every other row still comes back, in order).
    """

    # `query` is a Select and `table` a Table: typed loosely, since SQLAlchemy's own types
    # for them (variadic row types, FromClause for a model's __table__) differ by version.
    def run(statement: Any) -> list[Any]:
        return list(db.scalars(statement).all() if entities else db.execute(statement).all())

    try:
        return run(query)
    except UNLOADABLE:
        pass
    key = table.c.id
    found: list[Any] = []
    for row_id in db.scalars(query.with_only_columns(key)).all():
        try:
            found.extend(run(query.where(key == row_id)))
        except UNLOADABLE as exc:
            column = unloadable_column(db, table, row_id)
            found.append(RowProblem(table.name, row_id, column, f"cannot be read ({exc})"))
    return found


def unloadable_column(db: Session, table: Any, row_id: object) -> str:
    """The first column of the row whose stored value the driver cannot convert."""
    from sqlalchemy import select

    for column in table.columns:
        try:
            db.execute(select(column).where(table.c.id == row_id)).all()
        except UNLOADABLE:
            return str(column.name)
    return "row"


@contextmanager
def _as_row_invalid(field: str) -> Iterator[None]:
    """The domain's bound checks (domain.validation, the ones direct entry and the import
    use) raise ValueBoundsError naming `field` first; here it becomes that field's RowInvalid."""
    try:
        yield
    except ValueBoundsError as exc:
        raise RowInvalid(field, str(exc).removeprefix(f"{field} ")) from None


def check_moment(
    field: str, value: object, now: datetime | None = None, earliest: date = EARLIEST_EVENT
) -> datetime:
    """A stored event time: aware, not before `earliest`, and not more than a day ahead."""
    with _as_row_invalid(field):
        return bounds.check_moment(
            value, now or datetime.now(UTC), field, earliest=earliest, skew=FUTURE_SKEW
        )


def check_optional_moment(field: str, value: object, now: datetime | None = None) -> None:
    """`check_moment` for a column that may be empty."""
    if value is not None:
        check_moment(field, value, now)


def check_choice(field: str, value: object, choices: Iterable[str]) -> str:
    """`value` when it is exactly one of `choices`."""
    with _as_row_invalid(field):
        return bounds.check_choice(value, choices, field)


def check_int(field: str, value: object, low: int, high: int) -> int:
    """A whole number from `low` to `high`."""
    with _as_row_invalid(field):
        return bounds.check_whole(value, low, high, field)


def check_number(field: str, value: object, low: float, high: float) -> float:
    """A finite number from `low` to `high`."""
    with _as_row_invalid(field):
        return bounds.check_number(value, low, high, field)


def check_text(field: str, value: object, cap: int = TEXT_CAP, *, empty: bool = True) -> str:
    """Text of at most `cap` characters (and not blank, unless `empty`)."""
    with _as_row_invalid(field):
        return bounds.check_text(value, cap, field, blank=empty)


def check_optional_text(field: str, value: object, cap: int = TEXT_CAP) -> str | None:
    """`check_text` for a column that may be empty."""
    return None if value is None else check_text(field, value, cap)


def load_json(field: str, value: object, cap: int = 1_000_000) -> Any:
    """A stored JSON text parsed, refused when it is not JSON or absurdly long."""
    text = check_text(field, value, cap)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RowInvalid(field, f"is not readable JSON ({exc})") from None
