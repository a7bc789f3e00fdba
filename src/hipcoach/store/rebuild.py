"""Rebuilding a SQLite journal that an older hipcoach left half-upgraded.

Before migrations ran in one transaction, a kill or a full disk during one could
leave tables or columns in the file without the version row that names them;
every later start then failed on "table ... already exists". The data is all
there, so it can be carried over: a new journal is built at the current schema
beside the old one, every row of every table both have is copied across (the
columns both have; newer columns take their defaults and the database's
triggers work out the figures), the foreign keys are checked, and only then
does the new file take the old one's place. A copy of the old file is kept in
backups/ first.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hipcoach.domain.errors import StoreError
from hipcoach.store.migrate import VERSION_TABLE
from hipcoach.store.safekeeping import keep_copy_before_upgrade, mark_journal_kept, marker_path

# A session's segment counter is not copied as it is: which sessions' counters a
# profile's total sums depends on the schema (since 0008, not completed ones'). The old
# file's whole count goes into the profile's base instead, so the total carries over
# (and the events copied in move it on), whichever schema the old file was at.
SESSION_COUNTER = ("sessions", "segment_version")
CARRY_SESSION_COUNTERS = (
    "UPDATE main.profiles SET segment_version = segment_version + coalesce(("
    "SELECT sum(s.segment_version) FROM old.sessions s WHERE s.profile_id = profiles.id), 0)"
)


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild carried over, and where the old file was kept."""

    rows_copied: dict[str, int]
    kept_copy: Path


def _tables(connection: sqlite3.Connection, schema: str) -> list[str]:
    rows = connection.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).fetchall()
    return [str(name) for (name,) in rows]


def _parents_first(connection: sqlite3.Connection, tables: list[str]) -> list[str]:
    """`tables` with every table after those its foreign keys point at, so that the
    triggers that work out a parent's figures find the parent already there."""
    parents = {
        table: {
            str(row[2])
            for row in connection.execute(f'PRAGMA main.foreign_key_list("{table}")')
            if str(row[2]) != table
        }
        for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered)]
        if not ready:  # a cycle: keep the rest in the order they came
            ready = [t for t in tables if t not in ordered]
        ordered.extend(ready)
    return ordered


def _columns(connection: sqlite3.Connection, schema: str, table: str) -> list[str]:
    rows = connection.execute(f'PRAGMA {schema}.table_info("{table}")').fetchall()
    return [str(row[1]) for row in rows]


def _settle(path: Path) -> None:
    """Fold the write-ahead log into the file and leave no log beside it."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def rebuild_journal(journal: Path) -> RebuildResult:
    """Carry every row of `journal` into a journal at the current schema, in its place."""
    from hipcoach.store.engine import create_engine_for
    from hipcoach.store.migrate import HEAD_REVISION, migrate

    if not journal.is_file() or journal.stat().st_size == 0:
        raise StoreError(f"there is no journal to rebuild at '{journal}'")
    try:
        _settle(journal)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the journal at '{journal}' to rebuild it: {exc}") from exc
    kept = keep_copy_before_upgrade(journal, "unknown", HEAD_REVISION)
    fresh = journal.with_name(f".{journal.name}.rebuilding")
    leftovers = [fresh, *(fresh.with_name(fresh.name + s) for s in ("-wal", "-shm"))]
    leftovers.append(marker_path(fresh))  # written by migrate() for the new file
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        engine = create_engine_for(f"sqlite:///{fresh}")
        try:
            migrate(engine)
        finally:
            engine.dispose()
        copied = _copy_rows(journal, fresh)
        _settle(fresh)
        os.replace(fresh, journal)
    finally:
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                leftover.unlink()
    mark_journal_kept(journal)
    return RebuildResult(copied, kept)


def _copy_rows(old: Path, fresh: Path) -> dict[str, int]:
    connection = sqlite3.connect(fresh, isolation_level=None)
    try:
        # Rows go in table by table; the keys are checked once all are in.
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("ATTACH DATABASE ? AS old", (str(old),))
        old_tables = set(_tables(connection, "old"))
        copied: dict[str, int] = {}
        connection.execute("BEGIN IMMEDIATE")
        try:
            for table in _parents_first(connection, _tables(connection, "main")):
                if table == VERSION_TABLE or table not in old_tables:
                    continue
                old_columns = set(_columns(connection, "old", table))
                shared = [
                    c
                    for c in _columns(connection, "main", table)
                    if c in old_columns and (table, c) != SESSION_COUNTER
                ]
                names = ", ".join(f'"{c}"' for c in shared)
                cursor = connection.execute(
                    f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM old."{table}"'
                )
                copied[table] = cursor.rowcount
            if "sessions" in old_tables and SESSION_COUNTER[1] in _columns(
                connection, "old", "sessions"
            ):
                connection.execute(CARRY_SESSION_COUNTERS)
            broken = connection.execute("PRAGMA main.foreign_key_check").fetchall()
            if broken:
                table, rowid, parent, _ = broken[0]
                raise StoreError(
                    f"cannot rebuild the journal: row {rowid} of {table} points at a missing "
                    f"row of {parent} ({len(broken)} such rows); the journal was left as it was"
                )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("DETACH DATABASE old")
        return copied
    except sqlite3.Error as exc:
        raise StoreError(f"cannot rebuild the journal: {exc}; it was left as it was") from exc
    finally:
        connection.close()
