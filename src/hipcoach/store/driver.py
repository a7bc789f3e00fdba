"""The few statements on the server's hot path, run straight on the database driver.

A browser player saves a segment every few seconds and every Today or progress
request reads the change counters first. Through SQLAlchemy's Connection each
of these costs 100-150 µs of Python around a statement that takes under 10 µs;
on a two-core server that overhead, not the database, set how many people one
machine could coach. So these statements are still written as SQLAlchemy Core
(queries.py) and compiled once per dialect by SQLAlchemy, with its own type
conversions for parameters and results, but executed on a pooled DBAPI
connection's cursor. Everything else in the store goes through SQLAlchemy as
usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Dialect, Engine
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeEngine

from hipcoach.domain.errors import StoreError
from hipcoach.store.engine import BUSY_TIMEOUT_MS, mask_url
from hipcoach.store.safekeeping import damaged, is_damage, journal_path

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled for one dialect: its SQL, how to bind it, how to read it."""

    sql: str
    # Each bound parameter with its conversion (if any), in the order a positional
    # paramstyle needs.
    binding: tuple[tuple[str, Processor | None], ...]
    positional: bool
    constants: Mapping[str, Any]  # literals SQLAlchemy bound itself ('completed' in a CASE)
    result_types: tuple[TypeEngine[Any], ...]  # of the columns it returns, dialect-specific
    dialect: Dialect
    # Worked out from the driver's column types on the first read (PostgreSQL's
    # numbers need them), then reused.
    _result_processors: list[tuple[Processor | None, ...]] = field(
        default_factory=list, compare=False, repr=False
    )

    @classmethod
    def compile(
        cls, statement: Executable, dialect: Dialect, columns: Sequence[str] | None = None
    ) -> DriverStatement:
        """Compile `statement`; `columns` names the VALUES of an INSERT, as execution would."""
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=dialect, column_keys=list(columns) if columns is not None else None
        )
        positional = bool(compiled.positional)
        # By the names the SQL uses (anonymous parameters get theirs at compilation).
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup) if positional else tuple(binds)
        binding = tuple(
            (name, binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
        )
        constants = {name: value for name, value in compiled.params.items() if value is not None}
        exported = getattr(statement, "exported_columns", ())
        return cls(
            sql=compiled.string,
            binding=binding,
            positional=positional,
            constants=constants,
            result_types=tuple(column.type.dialect_impl(dialect) for column in exported),
            dialect=dialect,
        )

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """`values` (by bind name) converted and laid out for the driver's paramstyle."""
        constants = self.constants
        converted = [
            value if processor is None else processor(value)
            for name, processor in self.binding
            for value in (values[name] if name in values else constants[name],)
        ]
        if self.positional:  # a name used twice in the SQL is bound twice
            return converted
        return dict(zip((name for name, _ in self.binding), converted, strict=True))

    def reader(self, description: Sequence[Sequence[Any]]) -> tuple[Processor | None, ...]:
        """How to read each column, for the cursor `description` of a first result."""
        if not self._result_processors:
            self._result_processors.append(
                tuple(
                    kind.result_processor(self.dialect, column[1])
                    for kind, column in zip(self.result_types, description, strict=True)
                )
            )
        return self._result_processors[0]


def _read(processors: tuple[Processor | None, ...], raw: Sequence[Any]) -> tuple[Any, ...]:
    """A fetched row with each column read as SQLAlchemy would (datetimes, for one)."""
    return tuple(
        processor(value) if processor is not None else value
        for processor, value in zip(processors, raw, strict=True)
    )


def _psycopg_pipelines() -> bool:
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


class DriverCursor:
    """A DBAPI cursor that runs DriverStatements.

    `pipelined`: the driver is psycopg, which can send several statements before it
    reads any answer (its pipeline mode); see all_together and run_many_together.
    """

    def __init__(self, cursor: Any, *, pipelined: bool = False) -> None:
        self._cursor = cursor
        self._pipelined = pipelined

    def first(
        self, statement: DriverStatement, values: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The first row `statement` returns, or None."""
        cursor = self.execute(statement, values)
        raw = cursor.fetchone()
        return None if raw is None else _read(statement.reader(cursor.description), raw)

    def all(self, statement: DriverStatement, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row `statement` returns."""
        cursor = self.execute(statement, values)
        rows = cursor.fetchall()
        if not rows:
            return []
        processors = statement.reader(cursor.description)
        return [_read(processors, raw) for raw in rows]

    def run(self, statement: DriverStatement, values: Mapping[str, Any]) -> None:
        """Run `statement` for its effect."""
        self.execute(statement, values)

    def run_many(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run `statement` once for each of `rows`, for its effect. psycopg sends all the
        rows before reading any answer: one round trip to PostgreSQL, not one per row."""
        if rows:
            self._cursor.executemany(statement.sql, [statement.parameters(row) for row in rows])

    def all_together(
        self, reads: Sequence[tuple[DriverStatement, Mapping[str, Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Every row of each of `reads`, run in order. On PostgreSQL they are sent at once
        and answered at once: one round trip for all of them, not one each (and one
        more for the BEGIN of a transaction they are the first statements of)."""
        if not self._pipelined:
            return [self.all(statement, values) for statement, values in reads]
        connection = self._cursor.connection
        cursors: list[tuple[DriverStatement, Any]] = []
        try:
            with connection.pipeline():
                for statement, values in reads:
                    cursor = connection.cursor()
                    cursors.append((statement, cursor))
                    cursor.execute(statement.sql, statement.parameters(values))
            found: list[list[tuple[Any, ...]]] = []
            for statement, cursor in cursors:
                rows = cursor.fetchall()
                processors = statement.reader(cursor.description) if rows else ()
                found.append([_read(processors, raw) for raw in rows])
            return found
        finally:
            for _, cursor in cursors:
                cursor.close()

    def run_many_together(
        self, writes: Sequence[tuple[DriverStatement, Sequence[Mapping[str, Any]]]]
    ) -> None:
        """run_many for each of `writes`, in order; on PostgreSQL all of their rows are
        sent before any answer is read: one round trip for all of them."""
        if not self._pipelined:
            for statement, rows in writes:
                self.run_many(statement, rows)
            return
        with self._cursor.connection.pipeline():
            for statement, rows in writes:
                self.run_many(statement, rows)

    def close(self) -> None:
        self._cursor.close()

    def execute(self, statement: DriverStatement, values: Mapping[str, Any]) -> Any:
        """Send `statement` with `values` to the database; returns the driver's cursor."""
        self._cursor.execute(statement.sql, statement.parameters(values))
        return self._cursor


class Driver:
    """Short transactions on the engine's pooled DBAPI connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.dbapi_errors: type[Exception] = engine.dialect.loaded_dbapi.Error
        # psycopg's pipeline mode (several statements sent before any answer is read)
        # needs libpq 14 or newer; the binary package brings one, a system libpq may not.
        self.pipelines = engine.dialect.driver == "psycopg" and _psycopg_pipelines()
        self._statements: dict[
            tuple[int, tuple[str, ...] | None], tuple[Executable, DriverStatement]
        ] = {}

    def compiled(
        self, statement: Executable, columns: Sequence[str] | None = None
    ) -> DriverStatement:
        """`statement` compiled for this engine's dialect, on first use, and kept."""
        key = (id(statement), tuple(columns) if columns is not None else None)
        found = self._statements.get(key)
        if found is None:
            # The statement is kept with its compiled form so that its id stays its own.
            found = (statement, DriverStatement.compile(statement, self.dialect, columns))
            self._statements[key] = found
        return found[1]

    @contextmanager
    def transaction(
        self, action: str, *, write: bool = False, one_read: bool = False
    ) -> Iterator[DriverCursor]:
        """A cursor in one transaction: committed on success, rolled back on any error.

        `one_read` is for a single SELECT (the change counters, read on every page):
        on PostgreSQL it runs without BEGIN and COMMIT around it, one round trip
        instead of three. A lone statement sees one snapshot either way.
        """
        held = HeldTransaction(self, action, write=write, one_read=one_read)
        try:
            with held.errors():
                yield held.cursor
        except BaseException:
            held.rollback()
            raise
        held.commit()

    def begin(self, action: str, *, write: bool = False, wait: bool = True) -> HeldTransaction:
        """A transaction on a connection of its own, to be ended by commit() or rollback().

        A write on SQLite takes the write lock here, at BEGIN, so what it reads
        cannot change before it writes: while another process writes, this waits
        its turn (up to the busy timeout) or, with `wait` False, raises
        WriteLockTakenError at once.
        """
        return HeldTransaction(self, action, write=write, wait=wait)


class WriteLockTakenError(StoreError):
    """Another connection holds SQLite's write lock, and the caller chose not to wait."""


# SQLite's result code for "the database is locked" (another writer holds it).
SQLITE_BUSY = 5


class HeldTransaction:
    """One transaction on one pooled DBAPI connection.

    It may be begun, used and ended on different threads, one at a time; the
    web server's group commit (web.writer) holds one open across a pause while
    another process has the write lock.
    """

    def __init__(
        self,
        driver: Driver,
        action: str,
        *,
        write: bool,
        wait: bool = True,
        one_read: bool = False,
    ) -> None:
        self._action = action
        self._autocommit = False
        self._dbapi_errors = driver.dbapi_errors
        self._url = driver.engine.url  # named only if the journal turns out damaged
        with self.errors():
            self._connection = driver.engine.raw_connection()  # pooled, pragmas set
        try:
            with self.errors():
                raw = self._connection.cursor()
                self._autocommit = one_read and not write and driver.dialect.name != "sqlite"
                if self._autocommit:
                    self._connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
                if write and driver.dialect.name == "sqlite":
                    _begin_immediate(raw, wait)
        except BaseException:
            self._connection.close()
            raise
        self.cursor = DriverCursor(raw, pipelined=driver.pipelines)
        self._ended = False

    @contextmanager
    def errors(self) -> Iterator[None]:
        """The driver's errors as StoreError, naming what was being done."""
        try:
            yield
        except (self._dbapi_errors, UnicodeDecodeError) as exc:
            if is_damage(exc):
                raise damaged(journal_path(self._url), mask_url(self._url), exc) from exc
            if isinstance(exc, UnicodeDecodeError):
                raise  # not the journal's: some other text did not decode
            raise StoreError(f"could not {self._action} in the journal: {exc}") from exc

    def commit(self) -> None:
        """Commit (on SQLite with synchronous=FULL: sync the log to disk) and let go."""
        if self._ended:
            raise StoreError(f"could not {self._action} in the journal: the transaction ended")
        try:
            with self.errors():
                self._connection.commit()
        except BaseException:
            self.rollback()
            raise
        self._release()

    def rollback(self) -> None:
        """Undo everything of the transaction and let go (nothing to do once ended)."""
        if self._ended:
            return
        try:
            with self.errors():
                self._connection.rollback()
        finally:
            self._release()

    def _release(self) -> None:
        self._ended = True
        self.cursor.close()
        if self._autocommit:  # as the pool's other users expect it
            self._connection.dbapi_connection.autocommit = False  # type: ignore[union-attr]
        self._connection.close()  # back to the pool


def _begin_immediate(cursor: Any, wait: bool) -> None:
    """Take SQLite's write lock: waiting up to the busy timeout, or not at all."""
    if wait:
        cursor.execute("BEGIN IMMEDIATE")
        return
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        cursor.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        if getattr(exc, "sqlite_errorcode", None) == SQLITE_BUSY:
            raise WriteLockTakenError("another process is writing to the journal") from None
        raise
    finally:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
