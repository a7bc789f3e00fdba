"""Bring a journal database's schema up to date with the Alembic scripts shipped in the package.

Alembic is configured in code (no alembic.ini): the scripts live in
`hipcoach/store/migrations`. Start-up is the common case and the schema is
usually current, so `migrate` first reads `alembic_version` with one query and
only imports Alembic's command machinery when there is something to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from hipcoach.domain.errors import StoreError
from hipcoach.store.engine import driver_words, mask_url
from hipcoach.store.safekeeping import (
    damaged,
    is_damage,
    journal_path,
    keep_copy_before_upgrade,
    mark_journal_kept,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions; a test checks that this agrees with Alembic.
HEAD_REVISION = "0008"
VERSION_TABLE = "alembic_version"
log = logging.getLogger(__name__)
# PostgreSQL advisory lock that one migration at a time holds ("hipc" in ASCII).
LOCK_KEY = 0x68697063


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        revision = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        return None if revision is None else str(revision)


def alembic_config() -> Config:
    """An Alembic Config pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    # Config values go through configparser interpolation, where '%' is special.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


@dataclass(frozen=True)
class MigrationResult:
    """What migrate() did: the revisions it moved between and the copy it kept, if any."""

    from_revision: str | None
    to_revision: str
    kept_copy: Path | None = None

    @property
    def upgraded(self) -> bool:
        return self.from_revision != self.to_revision


def migrate(engine: Engine) -> MigrationResult:
    """Upgrade the database behind `engine` to the newest schema; a no-op when it is current.

    All or nothing: every revision still to run, and the version row with them,
    go in one transaction (DDL included, on SQLite too), so a kill or a full
    disk part-way leaves the journal as it was. A SQLite journal with data is
    copied to backups/ first (see safekeeping).
    """
    where = mask_url(engine.url)
    journal = journal_path(engine.url)
    try:
        revision = current_revision(engine)
        if revision == HEAD_REVISION:
            if journal is not None:
                mark_journal_kept(journal)
            return MigrationResult(revision, HEAD_REVISION)
        if revision is None and _holds_tables(engine):
            raise _half_upgraded(engine, "it holds tables but no schema version")
        kept = None
        if journal is not None and revision is not None:
            kept = keep_copy_before_upgrade(journal, revision, HEAD_REVISION)
            log.warning(
                "hipcoach: upgrading the journal at %s from schema %s to %s; a copy of it "
                "as it was is kept at %s",
                journal,
                revision,
                HEAD_REVISION,
                kept,
            )
        _upgrade(engine)
    except (SQLAlchemyError, UnicodeDecodeError) as exc:
        if is_damage(exc):
            raise damaged(journal, where, exc) from exc
        reason = driver_words(exc)
        if any(words in reason for words in HALF_UPGRADE_WORDS):
            raise _half_upgraded(engine, reason) from exc
        raise StoreError(
            f"cannot update the journal schema at '{where}': {reason}; "
            "nothing was changed (the update runs whole or not at all)"
        ) from exc
    if journal is not None:
        mark_journal_kept(journal)
    return MigrationResult(revision, HEAD_REVISION, kept)


class HalfUpgradedError(StoreError):
    """A journal an older hipcoach left part-way through an upgrade; `doctor --repair` mends it."""


# What SQLite and PostgreSQL say when a revision meets what it would create.
HALF_UPGRADE_WORDS = ("already exists", "duplicate column name")


def _holds_tables(engine: Engine) -> bool:
    """Whether any of hipcoach's own tables is there (another program's are not ours to judge)."""
    from hipcoach.store.tables import Base

    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
    return bool(present & set(Base.metadata.tables))


def _half_upgraded(engine: Engine, reason: str) -> HalfUpgradedError:
    where = mask_url(engine.url)
    if engine.dialect.name != "sqlite":
        return HalfUpgradedError(
            f"the database at '{where}' holds hipcoach tables that do not match its schema "
            f"version ({reason}); restore it from your database backup, or give hipcoach a "
            "database of its own"
        )
    return HalfUpgradedError(
        f"the journal at '{where}' was left part-way through an upgrade by an earlier "
        f"version of hipcoach ({reason}); its data is still in it. Run `hipcoach doctor "
        "--repair` to rebuild it at the current schema with every row carried over (a copy "
        "of it as it is now is kept first)."
    )


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    try:
        with _one_transaction(engine) as connection:
            # env.py runs on this connection instead of building an engine of its own;
            # finding a transaction open, Alembic runs every revision inside it.
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError as exc:
        # Most often a database written by a newer hipcoach, whose revision we do not know.
        raise StoreError(
            f"the journal at '{mask_url(engine.url)}' has a schema this version of hipcoach "
            f"does not know ({exc}); upgrade hipcoach"
        ) from exc


@contextmanager
def _one_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that DDL cannot end early; committed on success.

    PostgreSQL's DDL is transactional as it is. Python's sqlite3 module, in its
    default mode, runs each CREATE or ALTER outside any transaction, so each
    commits by itself: a cut part-way left tables without the version row that
    says they are there. With the module's own transaction handling off, the
    BEGIN IMMEDIATE here holds everything, and takes the write lock at once, so
    two processes starting together cannot both migrate.

    Foreign keys are off while it runs (SQLite ignores that pragma inside a
    transaction, so it is set before BEGIN): a revision that rebuilds a table
    (copy, drop, rename) would otherwise have the DROP cascade to the rows that
    point at it, and a 0001 journal lost its segment events on the way to 0002.
    The keys are checked as a whole before the commit instead.
    """
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                # Two servers starting together: the second waits here, then finds the
                # schema current (Alembic reads the version inside this transaction).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                yield connection
            return
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        previous = dbapi_connection.isolation_level
        dbapi_connection.isolation_level = None
        try:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise StoreError(
                        f"the upgrade would leave row {rowid} of {table} pointing at a missing "
                        f"row of {parent} ({len(broken)} such rows); nothing was changed"
                    )
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            dbapi_connection.isolation_level = previous
