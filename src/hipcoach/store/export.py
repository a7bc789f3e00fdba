"""Everything one profile owns, as plain rows: dumped in one read, restored in one transaction.

The code walks `Base.metadata` instead of naming tables, so a table added by a
later migration is exported and restored without touching this module: every
table with a `profile_id` column belongs to a profile (segment events carry one
too, beside their session id).

Import policy (also in the README): a restore only ever adds rows. Into a
profile with no data it restores exactly: session ids (uuid strings) are kept;
integer ids are given anew by the target database, in the same order, and
every reference to them (`sessions.plan_id`) is rewritten to match. Into a
profile that already has data it adds the file's records only if none of them
is there already: the same session id (in any profile, since session ids are
global), or a record of another kind equal in every field but its integer ids.
A single duplicate refuses the whole file, naming the record; it never merges
half a file. Any problem rolls the transaction back: the database is as it
was, the profile included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Connection, CursorResult, Engine, Integer, Table, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from hipcoach.domain.errors import HipcoachError, StoreError
from hipcoach.store.tables import Base

PROFILES = "profiles"

Row = dict[str, Any]


class DataImportError(HipcoachError):
    """A file or record that cannot be imported; nothing from it was stored."""

    def __init__(
        self,
        problem: str,
        kind: str | None = None,
        index: int | None = None,
        field: str | None = None,
    ) -> None:
        self.kind = kind
        self.index = index
        self.field = field
        self.problem = problem
        where = kind or ""
        if kind is not None and index is not None:
            where += f"[{index}]"
        if field:
            where += f".{field}" if where else field
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore added: the profile it went into and how many rows of each kind."""

    profile: str
    created_profile: bool
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def owned_tables() -> list[Table]:
    """The tables whose rows belong to a profile, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "profile_id" in t.c and t.name != PROFILES]


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
                        select(*_importable_columns(table))
                        .where(table.c.profile_id == profile_id)
                        .order_by(*table.primary_key.columns)
                    )
                ]
                for table in owned_tables()
            }
    except SQLAlchemyError as exc:
        raise StoreError(f"could not read the profile's data: {_reason(exc)}") from exc
    profile = {"name": found.name, "created_at": found.created_at}
    return {"profile": profile, "records": records}


def restore_profile(engine: Engine, profile_name: str, data: Mapping[str, Any]) -> RestoreSummary:
    """Add the rows of a `dump_profile` dict to the profile called `profile_name`, all or nothing.

    The profile is created (with the dump's creation time) when missing. Raises
    DataImportError naming the record kind, its index and the field on any
    problem; the database is then exactly as it was.
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
    try:
        with engine.begin() as conn:
            profile_id, created = _target_profile(conn, name, data.get("profile"))
            _refuse_duplicates(conn, tables, rows, profile_id, name, check_content=not created)
            counts = _insert_all(conn, tables, rows, profile_id)
    except SQLAlchemyError as exc:
        raise StoreError(f"could not import into the journal: {_reason(exc)}") from exc
    return RestoreSummary(profile=name, created_profile=created, counts=counts)


def _importable_columns(table: Table) -> list[Column[Any]]:
    """The columns a dump carries: not the owner (the target profile is), and not what the
    database works out from other rows (see tables.DERIVED)."""
    return [c for c in table.columns if c.name != "profile_id" and not c.info.get("derived")]


def _checked_rows(table: Table, raw: object) -> list[Row]:
    """The rows for `table`, each checked against the column types before anything is written."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise DataImportError("must be a list of records", table.name)
    columns = {c.name: c for c in _importable_columns(table)}
    checked: list[Row] = []
    for index, row in enumerate(raw):
        if not isinstance(row, Mapping):
            raise DataImportError("must be an object of fields", table.name, index)
        for field in row:
            if field not in columns:
                raise DataImportError("unknown field", table.name, index, str(field))
        checked.append(
            {
                name: _checked_value(table.name, index, column, row)
                for name, column in columns.items()
            }
        )
    return checked


def _checked_value(kind: str, index: int, column: Column[Any], row: Mapping[str, Any]) -> Any:
    if column.name not in row:
        if column.info.get("added_later") and column.nullable:
            return None  # an export made before this column existed
        raise DataImportError("missing", kind, index, column.name)
    value = row[column.name]
    if value is None:
        if not column.nullable:
            raise DataImportError("cannot be empty", kind, index, column.name)
        return None
    expected = column.type.python_type
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    wrong = not isinstance(value, expected) or (
        # bool is an int, and a datetime is a date, to isinstance; neither belongs in the other.
        (expected is int and isinstance(value, bool))
        or (expected is date and isinstance(value, datetime))
    )
    if wrong:
        raise DataImportError(
            f"expected {expected.__name__}, got {type(value).__name__}", kind, index, column.name
        )
    if isinstance(value, datetime) and value.utcoffset() is None:
        raise DataImportError("a time must carry its time zone", kind, index, column.name)
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        raise DataImportError(f"longer than {length} characters", kind, index, column.name)
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
        for column, parent in _foreign_keys(table):
            for index, row in enumerate(rows[table.name]):
                value = row[column.name]
                if value is not None and value not in keys[parent]:
                    raise DataImportError(
                        f"refers to {parent} {value!r}, which is not in the file",
                        table.name,
                        index,
                        column.name,
                    )


def _foreign_keys(table: Table) -> Iterator[tuple[Column[Any], str]]:
    """(column, parent table) for each reference to another profile-owned table."""
    for fk in table.foreign_keys:
        parent = fk.column.table.name
        if parent != PROFILES:
            yield fk.parent, parent


def _target_profile(conn: Connection, name: str, profile: object) -> tuple[int, bool]:
    """The id of the profile called `name`, and whether this restore created it."""
    profiles = Base.metadata.tables[PROFILES]
    found = conn.execute(select(profiles.c.id).where(profiles.c.name == name)).scalar()
    if found is not None:
        return int(found), False
    created_at = profile.get("created_at") if isinstance(profile, Mapping) else None
    if not isinstance(created_at, datetime) or created_at.utcoffset() is None:
        created_at = datetime.now(UTC)
    result = conn.execute(profiles.insert().values(name=name, created_at=created_at))
    return int(_new_id(result)), True


def _content_key(table: Table, row: Mapping[Any, Any]) -> tuple[Any, ...]:
    """What makes two rows the same record: every field but integer ids and the profile."""
    surrogate = {c.name for c in table.primary_key.columns if isinstance(c.type, Integer)}
    surrogate |= {c.name for c, p in _foreign_keys(table) if isinstance(c.type, Integer)}
    return tuple(
        _comparable(row[c.name]) for c in _importable_columns(table) if c.name not in surrogate
    )


def _comparable(value: Any) -> Any:
    # SQLite hands datetimes back tagged UTC, PostgreSQL in UTC too; normalise anyway.
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _refuse_taken_keys(
    conn: Connection, table: Table, rows: list[Row], profile_id: int, name: str
) -> None:
    """A per-profile unique key (a preference's key) the profile already holds: refused by
    name, rather than by the database half-way through the import."""
    from sqlalchemy import UniqueConstraint, tuple_

    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint) or "profile_id" not in constraint.columns:
            continue
        columns = [c for c in constraint.columns if c.name != "profile_id"]
        wanted = [tuple(row[c.name] for c in columns) for row in rows]
        found = conn.execute(
            select(*columns).where(table.c.profile_id == profile_id, tuple_(*columns).in_(wanted))
        )
        taken = {tuple(row) for row in found}
        for index, key in enumerate(wanted):
            if key in taken:
                field = columns[0].name
                raise DataImportError(
                    f"{key[0]!r} is already set in profile '{name}'; nothing was imported",
                    table.name,
                    index,
                    field,
                )


def _refuse_duplicates(
    conn: Connection,
    tables: list[Table],
    rows: dict[str, list[Row]],
    profile_id: int,
    name: str,
    *,
    check_content: bool,
) -> None:
    """Refuse the file if any record is already stored; the first one found is named."""
    for table in tables:
        if not rows[table.name]:
            continue
        _refuse_taken_keys(conn, table, rows[table.name], profile_id, name)
        (pk,) = table.primary_key.columns
        if not isinstance(pk.type, Integer):
            # A natural key (the session uuid) is global: another profile may hold it.
            wanted = [row[pk.name] for row in rows[table.name]]
            taken = set(conn.scalars(select(pk).where(pk.in_(wanted))))
            for index, row in enumerate(rows[table.name]):
                if row[pk.name] in taken:
                    raise DataImportError(
                        f"{row[pk.name]!r} is already in the journal; nothing was imported",
                        table.name,
                        index,
                        pk.name,
                    )
        elif check_content:
            existing = {
                _content_key(table, r._mapping)
                for r in conn.execute(select(table).where(table.c.profile_id == profile_id))
            }
            for index, row in enumerate(rows[table.name]):
                if _content_key(table, row) in existing:
                    raise DataImportError(
                        f"this record is already in profile '{name}'; nothing was imported",
                        table.name,
                        index,
                    )


def _insert_all(
    conn: Connection, tables: list[Table], rows: dict[str, list[Row]], profile_id: int
) -> dict[str, int]:
    """Insert parents before children, rewriting integer references to the new ids."""
    new_ids: dict[str, dict[Any, Any]] = {t.name: {} for t in tables}
    counts: dict[str, int] = {}
    for table in tables:
        (pk,) = table.primary_key.columns
        generated = isinstance(pk.type, Integer)
        remapped = [
            (column.name, parent)
            for column, parent in _foreign_keys(table)
            if isinstance(Base.metadata.tables[parent].primary_key.columns[0].type, Integer)
        ]
        ordered = list(enumerate(rows[table.name]))
        if generated:  # new ids keep the old ones' order, whatever the file's order
            ordered.sort(key=lambda pair: pair[1][pk.name])
        for index, row in ordered:
            values = dict(row, profile_id=profile_id)
            for column_name, parent in remapped:
                if values[column_name] is not None:
                    values[column_name] = new_ids[parent][values[column_name]]
            if generated:
                del values[pk.name]
            try:
                result = conn.execute(table.insert().values(values))
            except DBAPIError as exc:
                raise _row_error(table.name, index, exc) from exc
            if generated:
                new_ids[table.name][row[pk.name]] = _new_id(result)
        counts[table.name] = len(rows[table.name])
    return counts


def _new_id(result: CursorResult[Any]) -> Any:
    key = result.inserted_primary_key
    if key is None:  # only for statements that insert no row; a plain insert always has one
        raise StoreError("the database gave no id for an inserted record")
    return key[0]


def _row_error(kind: str, index: int, exc: DBAPIError) -> DataImportError:
    """The database's refusal as a message naming the record and, for a CHECK, the field."""
    reason = _reason(exc)
    # CHECK constraints are named ck_<table>_<field> (tables.NAMING_CONVENTION); migration
    # 0002 applied the prefix twice (ck_checkins_ck_checkins_pain), so allow it repeated.
    match = re.search(rf"(?:ck_{re.escape(kind)}_)+(\w+)", reason)
    if match:
        return DataImportError("value not allowed", kind, index, match.group(1))
    return DataImportError(f"refused by the database: {reason}", kind, index)


def _reason(exc: SQLAlchemyError) -> str:
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return " ".join(text.split())
