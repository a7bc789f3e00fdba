"""Writing an import's new rows in short transactions, parents before children.

Each transaction runs for about WRITE_SLICE_SECONDS, then commits and lets a
waiting writer in (WRITE_PAUSE_SECONDS) before the next; each holds whole
records, so a crash midway leaves a consistent journal that the same import
completes when run again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Column, Connection, CursorResult, Engine, Integer, Table
from sqlalchemy.exc import DBAPIError

from hipcoach.domain.errors import StoreError
from hipcoach.domain.validation import ValueBoundsError, check_moment
from hipcoach.store.engine import driver_words
from hipcoach.store.import_rows import (
    BATCH_ROWS,
    PROFILES,
    DataImportError,
    RestoreSummary,
    Row,
    foreign_keys,
)
from hipcoach.store.tables import Base

# The longest a restore keeps the write lock in one go; SQLite's busy timeout is 5 s.
WRITE_SLICE_SECONDS: Final = 0.1
# The pause between two slices: SQLite's busy handler polls a waiting writer every few
# milliseconds at first, so a session saving its step meanwhile gets in within it.
WRITE_PAUSE_SECONDS: Final = 0.03


def create_profile(conn: Connection, name: str, profile: object) -> int:
    """A new profile called `name`, with the dump's creation time when it has one."""
    profiles = Base.metadata.tables[PROFILES]
    created_at = profile.get("created_at") if isinstance(profile, Mapping) else None
    now = datetime.now(UTC)
    try:
        created_at = check_moment(created_at, now, "the profile's creation")
    except ValueBoundsError:
        created_at = now  # a profile from 9999 would only confuse what reads it
    result = conn.execute(profiles.insert().values(name=name, created_at=created_at))
    return int(_new_id(result))


def write_rows(
    engine: Engine,
    tables: list[Table],
    rows: dict[str, list[Row]],
    there: dict[str, dict[int, Any]],
    name: str,
    profile_id: int | None,
    profile: object,
) -> RestoreSummary:
    """Insert what is not there yet, parents first, in transactions of a fraction of a second."""
    slices = _Slices(engine)
    created = profile_id is None
    if profile_id is None:
        with slices.transaction() as conn:
            profile_id = create_profile(conn, name, profile)
    referenced = {parent for t in tables for _, parent in foreign_keys(t)}
    new_ids: dict[str, dict[Any, Any]] = {t.name: {} for t in tables}
    counts: dict[str, int] = {}
    for table in tables:
        (pk,) = table.primary_key.columns
        generated = isinstance(pk.type, Integer)
        for index, stored_id in there[table.name].items():
            new_ids[table.name][rows[table.name][index][pk.name]] = stored_id
        remapped = [
            (column.name, parent)
            for column, parent in foreign_keys(table)
            if isinstance(Base.metadata.tables[parent].primary_key.columns[0].type, Integer)
        ]
        todo = [
            (index, row)
            for index, row in enumerate(rows[table.name])
            if index not in there[table.name]
        ]
        if generated:  # new ids keep the old ones' order, whatever the file's order
            todo.sort(key=lambda pair: pair[1][pk.name])
        prepared = [
            (index, _prepared(row, profile_id, remapped, new_ids, pk.name if generated else None))
            for index, row in todo
        ]
        # A parent's new ids are needed by its children: one row at a time. Others in bulk.
        one_by_one = generated and table.name in referenced
        slices.insert(table, prepared, one_by_one, new_ids[table.name], [r for _, r in todo], pk)
        counts[table.name] = len(todo)
    return RestoreSummary(
        profile=name,
        created_profile=created,
        counts=counts,
        already_there={t.name: len(there[t.name]) for t in tables},
        transactions=slices.count,
        longest_write_seconds=slices.longest,
    )


def _prepared(
    row: Row,
    profile_id: int,
    remapped: list[tuple[str, str]],
    new_ids: dict[str, dict[Any, Any]],
    generated_key: str | None,
) -> Row:
    values = dict(row, profile_id=profile_id)
    for column_name, parent in remapped:
        if values[column_name] is not None:
            values[column_name] = new_ids[parent][values[column_name]]
    if generated_key is not None:
        del values[generated_key]
    return values


class _Slices:
    """Short write transactions: each commits once it has run WRITE_SLICE_SECONDS."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        self.longest = 0.0
        self.ended = 0.0
        self.held_since_pause = 0.0

    def transaction(self) -> _Timed:
        # Short transactions (a small file, a table of a few rows) follow each other at
        # once; only once they have held the lock for a slice between them does a waiting
        # writer get its pause.
        if self.held_since_pause >= WRITE_SLICE_SECONDS:
            gap = self.ended + WRITE_PAUSE_SECONDS - time.perf_counter()
            if gap > 0:
                time.sleep(gap)
            self.held_since_pause = 0.0
        return _Timed(self)

    def insert(
        self,
        table: Table,
        prepared: list[tuple[int, Row]],
        one_by_one: bool,
        new_ids: dict[Any, Any],
        originals: list[Row],
        pk: Column[Any],
    ) -> None:
        position = 0
        while position < len(prepared):
            start = position
            try:
                with self.transaction() as conn:
                    position = self._fill(
                        conn, table, prepared, start, one_by_one, new_ids, originals, pk
                    )
            except _BatchRefusedError:
                # Rolled back whole; again one row at a time, to name the row refused.
                with self.transaction() as conn:
                    position = self._fill(
                        conn, table, prepared, start, True, new_ids, originals, pk
                    )

    def _fill(
        self,
        conn: Connection,
        table: Table,
        prepared: list[tuple[int, Row]],
        position: int,
        one_by_one: bool,
        new_ids: dict[Any, Any],
        originals: list[Row],
        pk: Column[Any],
    ) -> int:
        """Insert from `position` until the slice's time is up; where it stopped."""
        began = time.perf_counter()
        generated = isinstance(pk.type, Integer)
        while position < len(prepared) and time.perf_counter() - began < WRITE_SLICE_SECONDS:
            if one_by_one:
                index, values = prepared[position]
                try:
                    result = conn.execute(table.insert().values(values))
                except DBAPIError as exc:
                    raise _row_error(table.name, index, exc) from exc
                if generated:
                    new_ids[originals[position][pk.name]] = _new_id(result)
                position += 1
                continue
            batch = prepared[position : position + BATCH_ROWS]
            try:
                conn.execute(table.insert(), [values for _, values in batch])
            except DBAPIError as exc:
                raise _BatchRefusedError from exc
            position += len(batch)
        return position


class _BatchRefusedError(Exception):
    """A bulk insert the database refused: retried row by row to find the record."""


class _Timed:
    """One write transaction, timed from its start to its commit."""

    def __init__(self, slices: _Slices) -> None:
        self.slices = slices
        self.began = 0.0
        self.context: Any = None

    def __enter__(self) -> Connection:
        self.began = time.perf_counter()
        self.context = self.slices.engine.begin()
        conn: Connection = self.context.__enter__()
        return conn

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self.context.__exit__(*exc_info)
        finally:
            self.slices.ended = time.perf_counter()
            self.slices.count += 1
            held = self.slices.ended - self.began
            self.slices.longest = max(self.slices.longest, held)
            self.slices.held_since_pause += held


def _new_id(result: CursorResult[Any]) -> Any:
    key = result.inserted_primary_key
    if key is None:  # only for statements that insert no row; a plain insert always has one
        raise StoreError("the database gave no id for an inserted record")
    return key[0]


def _row_error(kind: str, index: int, exc: DBAPIError) -> DataImportError:
    """The database's refusal as a message naming the record and, for a CHECK, the field."""
    text = driver_words(exc)
    # CHECK constraints are named ck_<table>_<field> (tables.NAMING_CONVENTION); migration
    # 0002 applied the prefix twice (ck_checkins_ck_checkins_pain), so allow it repeated.
    match = re.search(rf"(?:ck_{re.escape(kind)}_)+(\w+)", text)
    if match:
        return DataImportError("value not allowed", kind, index, match.group(1))
    return DataImportError(f"refused by the database: {text}", kind, index)
