"""What every repository of the store shares: an engine, short transactions, UTC times.

Each write runs in its own transaction that commits before the call returns,
so a killed process never loses a finished write nor leaves half of one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from hipcoach.domain.errors import StoreError


class Repository:
    """Base of the repositories: holds the engine and opens transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Session]:
        """A session that commits on success and turns database errors into StoreError."""
        with _store_errors(action), Session(self.engine, expire_on_commit=False) as db, db.begin():
            yield db

    @contextmanager
    def _connection(self, action: str) -> Iterator[Connection]:
        """A Core connection in a transaction (commits on success), for the hot paths
        where the ORM's bookkeeping would cost more than the statements."""
        with _store_errors(action), self.engine.begin() as connection:
            yield connection


@contextmanager
def _store_errors(action: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        raise StoreError(f"could not {action} in the journal: {reason}") from exc


def now() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def utc(moment: datetime | None) -> datetime:
    """`moment` in UTC, or now; naive datetimes are refused rather than guessed at."""
    if moment is None:
        return now()
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise StoreError("timestamps must be timezone-aware (got a naive datetime)")
    return moment.astimezone(UTC)
