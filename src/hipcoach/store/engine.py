"""Build a SQLAlchemy engine for a journal URL: SQLite on disk or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from hipcoach.domain.errors import StoreError
from hipcoach.store.safekeeping import damaged, is_damage, journal_path, refuse_lost_journal

POSTGRES_HINT = "install PostgreSQL support with: pip install 'hipcoach[postgres]'"
BUSY_TIMEOUT_MS = 5000
SQLITE_PRAGMAS = (
    # WAL lets a reader (the web UI) run beside the writing player without blocking it.
    "PRAGMA journal_mode=WAL",
    # FULL syncs the WAL on every commit: a finished segment survives a power cut.
    "PRAGMA synchronous=FULL",
    # SQLite leaves foreign keys off unless asked, per connection.
    "PRAGMA foreign_keys=ON",
    # Wait for a concurrent writer instead of failing at once with 'database is locked'.
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
CONNECT_TIMEOUT_SECONDS = 10
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def mask_url(url: str | URL) -> str:
    """The URL as safe to show: any password replaced by '***'."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD_IN_URL.sub(r"\1***@", url)


def create_engine_for(url: str) -> Engine:
    """An engine for `url`, connected once so that a bad URL or a dead server fails here."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: '{mask_url(url)}'") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(parsed)
    elif backend == "postgresql":
        engine = _postgres_engine(parsed)
    else:
        raise StoreError(
            f"unsupported database '{backend}' in '{mask_url(parsed)}': "
            "use a sqlite:/// path or a postgresql:// URL"
        )
    try:
        with engine.connect():
            pass
    except StoreError:  # the damage listener's own error
        engine.dispose()
        raise
    except (SQLAlchemyError, UnicodeDecodeError) as exc:
        engine.dispose()
        if is_damage(exc):
            raise damaged(journal_path(parsed), mask_url(parsed), exc) from exc
        reason = driver_words(exc)
        if any(words in reason for words in ("disk I/O error", "disk is full")):
            reason += " (is the disk full?); nothing was changed"
        raise StoreError(
            f"cannot open the journal database at '{mask_url(parsed)}': {reason}"
        ) from exc
    return engine


def _sqlite_engine(url: URL) -> Engine:
    journal = journal_path(url)
    # In-memory and URI-style databases have no directory of their own to create.
    if journal is not None:
        # SQLite would take a missing or empty file for a new journal: not if one was here.
        refuse_lost_journal(journal)
        try:
            journal.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for the journal at '{journal}': {exc.strerror}"
            ) from exc
    engine = _create(url)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    event.listen(engine, "handle_error", _damage_as_store_error(journal, mask_url(url)))
    return engine


def _damage_as_store_error(journal: Path | None, where: str) -> Any:
    """A handle_error listener: damage found by any statement becomes the one clear error."""

    def listener(context: ExceptionContext) -> None:
        if is_damage(context.original_exception):
            raise damaged(journal, where, context.original_exception)

    return listener


def _set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _postgres_engine(url: URL) -> Engine:
    if url.drivername not in ("postgresql", "postgresql+psycopg"):
        raise StoreError(
            f"unsupported PostgreSQL driver '{url.drivername}' in '{mask_url(url)}': "
            "use postgresql:// or postgresql+psycopg:// (psycopg 3)"
        )
    try:
        import psycopg  # noqa: F401  # checked here so the error can carry the install hint
    except ImportError:
        raise StoreError(f"PostgreSQL needs the psycopg package; {POSTGRES_HINT}") from None
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        # libpq waits forever on a host that drops packets; fail within seconds instead.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return _create(url.set(drivername="postgresql+psycopg"), connect_args=connect_args)


def _create(url: URL, **kwargs: Any) -> Engine:
    try:
        return create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, TypeError) as exc:
        raise StoreError(f"cannot use the database URL '{mask_url(url)}': {exc}") from exc


def driver_words(exc: BaseException) -> str:
    """The driver's own words, which say what went wrong without SQLAlchemy's wrapping."""
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    # libpq spreads its message over indented lines; one line reads better in a terminal.
    return " ".join(text.split())
