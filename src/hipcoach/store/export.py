"""Everything one profile owns, as plain rows: dumped in one read, restored in short writes.

The code walks `Base.metadata` instead of naming tables, so a table added by a
later migration is exported and restored without touching this module: every
table with a `profile_id` column belongs to a profile (segment events carry one
too, beside their session id).

Import policy (also in the README): a restore only ever adds rows, and checks
the whole file before it writes anything. Session ids (uuid strings) are
kept; integer ids are given anew by the target database, in the same order,
and every reference to them (`sessions.plan_id`) is rewritten to match.

A record already in the profile is skipped and counted as already there: the
same session id with the same fields, or a record of another kind equal in
every field but its integer ids. So importing your own export again, or
running an import again after it was stopped, adds only what is missing. A
record that has the same identity as a stored one but differs from it (the
same session id, step or preference key, or the same id and time in the
profile's own export) is a conflict: the file is refused whole, naming the
record and the field, and nothing is written.

Writing happens in short transactions of at most about WRITE_SLICE_SECONDS
each, parents before children, so the journal's write lock is never held for
long and a session being played meanwhile keeps saving its steps. Each
transaction holds whole records; a crash midway leaves the journal consistent
and the same import run again completes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.exc import SQLAlchemyError

from hipcoach.domain.errors import StoreError
from hipcoach.store.engine import driver_words
from hipcoach.store.import_matching import already_there, refuse_taken_sessions
from hipcoach.store.import_rows import (
    INT64,
    PROFILES,
    DataImportError,
    RecordCheck,
    RestoreSummary,
    Row,
    foreign_keys,
    importable_columns,
    owned_tables,
    python_type,
)
from hipcoach.store.import_writing import write_rows
from hipcoach.store.tables import Base

# Re-exported: the import's error and summary are part of this module's surface.
__all__ = [
    "PROFILES",
    "DataImportError",
    "RecordCheck",
    "RestoreSummary",
    "dump_profile",
    "owned_tables",
    "restore_profile",
]


def dump_profile(engine: Engine, profile_id: int) -> dict[str, Any]:
    """Every row the profile owns, as {"profile": {...}, "records": {table: [row, ...]}}.

    Rows are plain dicts of column values (aware datetimes, dates, numbers,
    strings) without `profile_id`, ordered by primary key; all tables are read
    in one transaction so the dump is a consistent snapshot.
    """
    profiles = Base.metadata.tables[PROFILES]
    try:
        with engine.connect() as conn, conn.begin():
            found = conn.execute(select(profiles).where(profiles.c.id == profile_id)).first()
            if found is None:
                raise StoreError(f"no profile with id {profile_id}")
            records = {
                table.name: [
                    dict(row._mapping)
                    for row in conn.execute(
                        select(*importable_columns(table))
                        .where(table.c.profile_id == profile_id)
                        .order_by(*table.primary_key.columns)
                    )
                ]
                for table in owned_tables()
            }
    except SQLAlchemyError as exc:
        raise StoreError(f"could not read the profile's data: {driver_words(exc)}") from exc
    profile = {"name": found.name, "created_at": found.created_at}
    return {"profile": profile, "records": records}


def restore_profile(
    engine: Engine,
    profile_name: str,
    data: Mapping[str, Any],
    check_record: RecordCheck | None = None,
) -> RestoreSummary:
    """Add the rows of a `dump_profile` dict to the profile called `profile_name`.

    Everything is checked first: the column types, references within the file,
    `check_record` on every row (the import passes `services.record_checks`),
    and conflicts with what the profile holds. A problem raises DataImportError
    naming the record kind, its index and the field, and nothing is written.
    Then the new rows are written in short transactions (see the module's
    docstring); records already there are skipped and counted.
    """
    name = profile_name.strip()
    longest = getattr(Base.metadata.tables[PROFILES].c.name.type, "length", None) or 100
    if not name or len(name) > longest:
        raise DataImportError(f"a profile name must have 1 to {longest} characters")
    records = data.get("records")
    if not isinstance(records, Mapping):
        raise DataImportError("'records' must map each kind of record to a list", "records")
    tables = owned_tables()
    known = {t.name for t in tables}
    for kind in records:
        if kind not in known:
            raise DataImportError(f"unknown kind of record; expected {sorted(known)}", str(kind))
    rows = {t.name: _checked_rows(t, records.get(t.name, [])) for t in tables}
    _check_references(tables, rows)
    if check_record is not None:
        _check_each(tables, rows, check_record)
    try:
        with engine.connect() as conn:
            profile_id = _existing_profile(conn, name)
            there = (
                already_there(conn, tables, rows, profile_id, name)
                if profile_id is not None
                else {t.name: {} for t in tables}
            )
            if profile_id is None:
                refuse_taken_sessions(conn, rows, name)
        return write_rows(engine, tables, rows, there, name, profile_id, data.get("profile"))
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not import into the journal: {driver_words(exc)}; what was written is whole, "
            "and the same import run again adds the rest"
        ) from exc


def _check_each(tables: list[Table], rows: dict[str, list[Row]], check: RecordCheck) -> None:
    """The record check on every row; the first problem refuses the file."""
    for table in tables:
        (pk,) = table.primary_key.columns
        for index, row in enumerate(rows[table.name]):
            problems = check(table.name, row)
            if problems:
                first = problems[0]
                more = (
                    f" (and {len(problems) - 1} more in this record)" if len(problems) > 1 else ""
                )
                raise DataImportError(
                    first.message + more,
                    table.name,
                    index,
                    first.field or None,
                    record_id=row.get(pk.name),
                )


@dataclass(frozen=True)
class _ColumnCheck:
    """What a column takes, worked out once per table rather than once per value."""

    name: str
    expected: type
    nullable: bool
    optional: bool  # added after the first export format: an older file lacks it
    length: int | None


def _column_checks(table: Table) -> list[_ColumnCheck]:
    return [
        _ColumnCheck(
            c.name,
            python_type(c),
            bool(c.nullable),
            bool(c.info.get("added_later")) and bool(c.nullable),
            getattr(c.type, "length", None),
        )
        for c in importable_columns(table)
    ]


def _checked_rows(table: Table, raw: object) -> list[Row]:
    """The rows for `table`, each checked against the column types before anything is written."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise DataImportError("must be a list of records", table.name)
    columns = _column_checks(table)
    names = {c.name for c in columns}
    checked: list[Row] = []
    for index, row in enumerate(raw):
        if not isinstance(row, Mapping):
            raise DataImportError("must be an object of fields", table.name, index)
        for key in row:
            if key not in names:
                raise DataImportError("unknown field", table.name, index, str(key))
        checked.append({c.name: _checked_value(table.name, index, c, row) for c in columns})
    return checked


def _checked_value(kind: str, index: int, column: _ColumnCheck, row: Mapping[str, Any]) -> Any:
    if column.name not in row:
        if column.optional:
            return None  # an export made before this column existed
        raise DataImportError("missing", kind, index, column.name)
    value = row[column.name]
    if value is None:
        if not column.nullable:
            raise DataImportError("cannot be empty", kind, index, column.name)
        return None
    expected = column.expected
    kind_of = type(value)
    if kind_of is expected and expected is str:  # the common case, kept short
        if column.length is not None and len(value) > column.length:
            raise DataImportError(
                f"longer than {column.length} characters", kind, index, column.name
            )
        return value
    if expected is float and kind_of is int:
        value = float(value) if INT64[0] <= value <= INT64[1] else value
    wrong = not isinstance(value, expected) or (
        # bool is an int, and a datetime is a date, to isinstance; neither belongs in the other.
        (expected is int and isinstance(value, bool))
        or (expected is date and isinstance(value, datetime))
    )
    if wrong:
        raise DataImportError(
            f"expected {expected.__name__}, got {type(value).__name__}", kind, index, column.name
        )
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        raise DataImportError("a whole number beyond 64 bits", kind, index, column.name)
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise DataImportError("a time must carry its time zone", kind, index, column.name)
    if isinstance(value, str) and column.length is not None and len(value) > column.length:
        raise DataImportError(f"longer than {column.length} characters", kind, index, column.name)
    return value


def _check_references(tables: list[Table], rows: dict[str, list[Row]]) -> None:
    """Primary keys unique within the file, and every reference pointing at a record in it."""
    keys: dict[str, dict[Any, int]] = {}
    for table in tables:
        (pk,) = table.primary_key.columns
        seen: dict[Any, int] = {}
        for index, row in enumerate(rows[table.name]):
            key = row[pk.name]
            if key in seen:
                raise DataImportError(
                    f"duplicate record: {key!r} is also {table.name}[{seen[key]}]",
                    table.name,
                    index,
                    pk.name,
                )
            seen[key] = index
        keys[table.name] = seen
    for table in tables:
        for column, parent in foreign_keys(table):
            for index, row in enumerate(rows[table.name]):
                value = row[column.name]
                if value is not None and value not in keys[parent]:
                    raise DataImportError(
                        f"refers to {parent} {value!r}, which is not in the file",
                        table.name,
                        index,
                        column.name,
                    )


def _existing_profile(conn: Connection, name: str) -> int | None:
    profiles = Base.metadata.tables[PROFILES]
    found = conn.execute(select(profiles.c.id).where(profiles.c.name == name)).scalar()
    return None if found is None else int(found)
