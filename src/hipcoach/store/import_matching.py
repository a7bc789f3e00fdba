"""What of a file a profile holds already, and which records clash with stored ones.

Read in one snapshot before anything is written, holding no write lock. A record
identical to a stored one is already there (its stored id stands in for its own);
one with the same identity but other fields is a conflict, and the file is refused
(the policy is in `store.export`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer, Table, UniqueConstraint, select

from hipcoach.store.import_rows import (
    BATCH_ROWS,
    CONFLICTS_SHOWN,
    DataImportError,
    Row,
    foreign_keys,
    importable_columns,
    python_type,
)
from hipcoach.store.tables import Base


def _content_key(table: Table, row: Mapping[Any, Any]) -> tuple[Any, ...]:
    """What makes two rows the same record: every field but integer ids and the profile."""
    surrogate = {c.name for c in table.primary_key.columns if isinstance(c.type, Integer)}
    surrogate |= {c.name for c, p in foreign_keys(table) if isinstance(c.type, Integer)}
    return tuple(
        _comparable(row[c.name], c) for c in importable_columns(table) if c.name not in surrogate
    )


def _comparable(value: Any, column: Column[Any] | None = None) -> Any:
    # SQLite hands datetimes back tagged UTC, PostgreSQL in UTC too; normalise anyway.
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str) and column is not None and column.name.endswith("_json"):
        # The journal writes some JSON without sorted keys; an import always sorts them.
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def _first_difference(table: Table, row: Mapping[str, Any], stored: Mapping[str, Any]) -> str:
    """The first field (in column order) where `row` and `stored` differ, ids aside."""
    surrogate = {c.name for c in table.primary_key.columns if isinstance(c.type, Integer)}
    surrogate |= {c.name for c, p in foreign_keys(table) if isinstance(c.type, Integer)}
    for column in importable_columns(table):
        if column.name in surrogate:
            continue
        if _comparable(row[column.name], column) != _comparable(stored[column.name], column):
            return column.name
    return ""


def _identity_time(table: Table) -> Column[Any] | None:
    """The table's first time column: with the id, what names a record in its own export."""
    for column in importable_columns(table):
        if python_type(column) is datetime:
            return column
    return None


def _natural_keys(table: Table) -> list[list[Column[Any]]]:
    """The unique keys within a profile besides the id: a step of a session, a preference."""
    keys = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = [c for c in constraint.columns if c.name != "profile_id"]
            if columns:
                keys.append(columns)
    return keys


class _Conflicts:
    """Records that clash with stored ones; refused together, the first few named."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[DataImportError] = []

    def add(self, kind: str, index: int, field: str, what: str, record_id: object) -> None:
        self.found.append(DataImportError(what, kind, index, field or None, record_id=record_id))

    def differs(self, table: Table, index: int, row: Row, stored: Mapping[str, Any]) -> None:
        (pk,) = table.primary_key.columns
        field = _first_difference(table, row, stored)
        self.add(
            table.name,
            index,
            field,
            f"differs from the same record already in profile '{self.name}' "
            f"(file: {_short(row.get(field))}, journal: {_short(stored.get(field))})",
            row[pk.name],
        )

    def raise_any(self) -> None:
        if not self.found:
            return
        shown = "; ".join(str(c) for c in self.found[:CONFLICTS_SHOWN])
        more = len(self.found) - CONFLICTS_SHOWN
        refusal = DataImportError(
            f"{len(self.found)} record(s) conflict with what profile '{self.name}' holds, so "
            f"nothing was imported: {shown}" + (f"; and {more} more" if more > 0 else "")
        )
        # The first conflict's place, for callers that show a field (the web form).
        first = self.found[0]
        refusal.kind, refusal.index, refusal.field = first.kind, first.index, first.field
        refusal.record_id = first.record_id
        raise refusal


def _short(value: object) -> str:
    text = repr(value.isoformat() if isinstance(value, datetime | date) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def refuse_taken_sessions(conn: Connection, rows: dict[str, list[Row]], name: str) -> None:
    """Session ids are global: a new profile cannot take one another profile holds."""
    sessions = Base.metadata.tables["sessions"]
    conflicts = _Conflicts(name)
    wanted = [row["id"] for row in rows["sessions"]]
    taken: set[Any] = set()
    for chunk in chunks(wanted):
        taken.update(conn.scalars(select(sessions.c.id).where(sessions.c.id.in_(chunk))))
    for index, row in enumerate(rows["sessions"]):
        if row["id"] in taken:
            conflicts.add(
                "sessions", index, "id", f"{row['id']!r} is already in the journal", row["id"]
            )
    conflicts.raise_any()


def already_there(
    conn: Connection, tables: list[Table], rows: dict[str, list[Row]], profile_id: int, name: str
) -> dict[str, dict[int, Any]]:
    """For each table, {index in the file: id of the identical stored record}; conflicts raise.

    Read in one consistent snapshot, holding no write lock.
    """
    conflicts = _Conflicts(name)
    there: dict[str, dict[int, Any]] = {}
    for table in tables:
        there[table.name] = found = {}
        if not rows[table.name]:
            continue
        (pk,) = table.primary_key.columns
        columns = importable_columns(table)
        if not isinstance(pk.type, Integer):
            # A natural key (the session uuid) is global: another profile may hold it.
            wanted = [row[pk.name] for row in rows[table.name]]
            stored: dict[Any, Mapping[str, Any]] = {}
            for chunk in chunks(wanted):
                query = select(*columns, table.c.profile_id).where(pk.in_(chunk))
                stored.update((r._mapping[pk.name], dict(r._mapping)) for r in conn.execute(query))
            for index, row in enumerate(rows[table.name]):
                match = stored.get(row[pk.name])
                if match is None:
                    continue
                if match["profile_id"] != profile_id:
                    what = f"{row[pk.name]!r} is already in the journal, in another profile"
                    conflicts.add(table.name, index, pk.name, what, row[pk.name])
                elif _first_difference(table, row, match):
                    conflicts.differs(table, index, row, match)
                else:
                    found[index] = row[pk.name]
            continue
        existing: list[Mapping[str, Any]] = [
            dict(r._mapping)
            for r in conn.execute(select(*columns).where(table.c.profile_id == profile_id))
        ]
        by_content = {_content_key(table, r): r[pk.name] for r in existing}
        by_id = {r[pk.name]: r for r in existing}
        naturals = [
            (key, {tuple(r[c.name] for c in key): r for r in existing})
            for key in _natural_keys(table)
        ]
        when = _identity_time(table)
        for index, row in enumerate(rows[table.name]):
            same = by_content.get(_content_key(table, row))
            if same is not None:
                found[index] = same
                continue
            clash = next(
                (
                    stored_row
                    for key, held in naturals
                    if (stored_row := held.get(tuple(row[c.name] for c in key))) is not None
                ),
                None,
            )
            if clash is None and when is not None:
                candidate = by_id.get(row[pk.name])
                if candidate is not None and _comparable(candidate[when.name]) == _comparable(
                    row[when.name]
                ):
                    clash = candidate
            if clash is not None:
                conflicts.differs(table, index, row, clash)
    conflicts.raise_any()
    return there


def chunks(values: list[Any], size: int = BATCH_ROWS) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
