"""`hipcoach doctor`: is the journal sound, and which stored rows no longer pass?

Two kinds of findings. Journal checks look at the database as a whole (SQLite's
quick_check, the schema revision); they are a list, so a new check (the journal's
backups, say) is one more function in `JOURNAL_CHECKS`. Row problems come from the
same per-table functions every reader uses (store.row_problems), run over every
stored row of every profile, plus the record checks direct entry uses where the
rows carry what those need.

What `--fix` does is only what is unambiguous, and nothing a person wrote is cut:
- plan days that are not days go back to the goal's own days;
- a plan time that is not a time is cleared (the plan keeps no time of day);
- a screen whose status column disagrees with its stored outcome takes the outcome's;
- a measurement whose unit is not its kind's takes its kind's unit.
Everything else (a date in the future, an angle no hip makes, a note past the cap)
can only be removed, with `--remove`, each row named and confirmed first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session

from hipcoach.domain.errors import HipcoachError
from hipcoach.domain.goals import WEEKDAY_NAMES
from hipcoach.domain.measurements import UNITS, Kind
from hipcoach.services.context import Context
from hipcoach.store.row_problems import RowProblem

if TYPE_CHECKING:
    from hipcoach.domain.goals import Goal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JournalFinding:
    """One check of the journal as a whole: its name, whether it passed, and what it saw."""

    check: str
    ok: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class Repair:
    """What `--fix` does to one row: the columns it sets, and the same in words."""

    problem: RowProblem
    action: str
    values: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class DoctorReport:
    """What doctor found, and what it mended or removed on the way."""

    database: str
    journal: tuple[JournalFinding, ...]
    rows: tuple[RowProblem, ...]
    repairs: tuple[Repair, ...] = ()  # what --fix would do (or, after it, did)
    repaired: tuple[Repair, ...] = ()
    removed: tuple[RowProblem, ...] = ()
    rows_checked: int = 0

    @property
    def healthy(self) -> bool:
        """Every journal check passed and no stored row fails."""
        return all(f.ok for f in self.journal) and not self.rows

    def repair_for(self, problem: RowProblem) -> Repair | None:
        """The repair `--fix` has for `problem`, if there is a safe one."""
        return next((r for r in self.repairs if r.problem == problem), None)

    @property
    def unfixable(self) -> tuple[RowProblem, ...]:
        """The rows only `--remove` can deal with."""
        fixable = {r.problem for r in self.repairs}
        return tuple(p for p in self.rows if p not in fixable)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, for --json."""
        return {
            "healthy": self.healthy,
            "database": self.database,
            "journal": [f.to_dict() for f in self.journal],
            "rows_checked": self.rows_checked,
            "rows": [
                p.to_dict() | {"fix": r.action if (r := self.repair_for(p)) else None}
                for p in self.rows
            ],
            "fixed": [r.problem.to_dict() | {"fix": r.action} for r in self.repaired],
            "removed": [p.to_dict() for p in self.removed],
        }


# --- journal checks ------------------------------------------------------------------


_ROW_LEVEL = ("CHECK constraint failed in ", "NULL value in ")


def check_integrity(engine: Engine) -> JournalFinding:
    """SQLite's quick_check over the whole file (PostgreSQL keeps its own)."""
    if engine.dialect.name != "sqlite":
        return JournalFinding("integrity", True, "PostgreSQL checks its own storage")
    with engine.connect() as connection:
        said = [str(r[0]) for r in connection.exec_driver_sql("PRAGMA quick_check")]
    # Rows that break a CHECK or NOT NULL constraint are not damage to the file: the row
    # checks below name each of them, by id and field.
    said = [line for line in said if line != "ok" and not line.startswith(_ROW_LEVEL)]
    if not said:
        return JournalFinding("integrity", True, "SQLite's quick check finds the file sound")
    shown = "; ".join(said[:5]) + (f" (and {len(said) - 5} more)" if len(said) > 5 else "")
    return JournalFinding("integrity", False, f"SQLite's quick check says: {shown}")


def check_schema(engine: Engine) -> JournalFinding:
    """The schema revision against the newest this version ships."""
    from hipcoach.store.migrate import HEAD_REVISION, current_revision

    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return JournalFinding("schema", True, f"at revision {revision}, the newest")
    if revision is None:
        if inspect(engine).get_table_names():
            return JournalFinding(
                "schema",
                False,
                "tables without a schema revision: an earlier hipcoach was cut off while "
                "upgrading it; `hipcoach doctor --repair` rebuilds it with every row",
            )
        return JournalFinding("schema", True, "no journal yet: the first command creates it")
    return JournalFinding(
        "schema",
        False,
        f"at revision {revision}, not the newest ({HEAD_REVISION}); "
        "`hipcoach doctor --fix` (or any other command) brings it up to date",
    )


def check_copies(database_url: str) -> JournalFinding | None:
    """The copies kept of a SQLite journal (store.safekeeping); None for PostgreSQL."""
    from hipcoach.store.safekeeping import backup_folder, backups_of, journal_path

    journal = journal_path(database_url)
    if journal is None:
        return None
    copies = backups_of(journal)
    if not copies:
        return JournalFinding(
            "copies", True, "no copies yet: one is kept in backups/ before each upgrade"
        )
    return JournalFinding(
        "copies",
        True,
        f"{len(copies)} kept in {backup_folder(journal)}, the newest {copies[0].name}; "
        f"to go back to it: cp '{copies[0]}' '{journal}'",
    )


# Each takes the engine and returns one finding; a check added later goes on this list.
JOURNAL_CHECKS: list[Callable[[Engine], JournalFinding]] = [check_integrity, check_schema]


# --- row problems --------------------------------------------------------------------


def _table_checks() -> list[tuple[type[DeclarativeBase], Callable[[Session, Any], Any]]]:
    """Each table with the function its readers turn a row into a record with."""
    from hipcoach.store.checkins import checkin_from_row, symptom_from_row
    from hipcoach.store.holds import hold_from_row
    from hipcoach.store.measurements import measurement_from_row, response_from_row
    from hipcoach.store.plans import plan_from_row
    from hipcoach.store.preferences import preference_from_row
    from hipcoach.store.screens import screen_from_row
    from hipcoach.store.session_rows import segment_event_problem, session_from_row
    from hipcoach.store.tables import (
        CheckinRow,
        HoldRow,
        MeasurementRow,
        PlanRow,
        PreferenceRow,
        QuestionnaireResponseRow,
        ScreenRow,
        SegmentEventRow,
        SessionRow,
        SymptomEventRow,
    )

    return [
        (ScreenRow, lambda _, row: screen_from_row(row)),
        (PlanRow, lambda _, row: plan_from_row(row)),
        (SessionRow, session_from_row),
        (SegmentEventRow, lambda _, row: segment_event_problem(row)),
        (CheckinRow, lambda _, row: checkin_from_row(row)),
        (SymptomEventRow, lambda _, row: symptom_from_row(row)),
        (MeasurementRow, lambda _, row: measurement_from_row(row)),
        (QuestionnaireResponseRow, lambda _, row: response_from_row(row)),
        (HoldRow, lambda _, row: hold_from_row(row)),
        (PreferenceRow, lambda _, row: preference_from_row(row)),
    ]


def _rows(db: Session, model: Any) -> Iterator[Any]:
    """Every row of `model`, or, for one whose columns the database hands back in a shape
    that cannot even be loaded (text in a date column on SQLite), the problem naming it."""
    table = model.__table__
    try:
        yield from db.scalars(select(model).order_by(model.id)).all()
        return
    except (ValueError, TypeError, OverflowError) as exc:
        log.info("hipcoach doctor: %s needs reading row by row (%s)", table.name, exc)
    db.rollback()
    for row_id in db.scalars(select(model.id).order_by(model.id)).all():
        try:
            yield db.scalars(select(model).where(model.id == row_id)).one()
        except (ValueError, TypeError, OverflowError) as exc:
            db.rollback()
            yield RowProblem(table.name, row_id, _unloadable_column(db, model, row_id), str(exc))


def _unloadable_column(db: Session, model: Any, row_id: Any) -> str:
    for column in model.__table__.columns:
        try:
            db.execute(select(column).where(model.id == row_id)).all()
        except (ValueError, TypeError, OverflowError):
            db.rollback()
            return str(column.name)
    return "row"


def _goal_problem(row: Any, known: dict[str, Goal]) -> RowProblem | None:
    if row.goal_id in known:
        return None
    return RowProblem(
        "plans", row.id, "goal_id", f"'{row.goal_id}' is not a goal this version knows"
    )


def _record_check_problems(table: str, row: Any) -> list[RowProblem]:
    """The record checks direct entry uses (services.record_checks)."""
    from hipcoach.services.record_checks import record_problems

    record = {c.name: getattr(row, c.key) for c in inspect(type(row)).columns}
    found = record_problems(table, record)  # never raises: a bent value is a problem too
    return [RowProblem(table, row.id, str(p.field), str(p.message)) for p in found]


def _repair(problem: RowProblem, row: Any, known: dict[str, Goal]) -> Repair | None:
    """The safe repair for `problem`, or None when only removing the row will do."""
    if problem.table == "plans" and problem.field == "weekdays" and row.goal_id in known:
        days = ",".join(WEEKDAY_NAMES[d] for d in known[row.goal_id].weekdays)
        return Repair(problem, f"set the days back to the goal's own ({days})", {"weekdays": days})
    if problem.table == "plans" and problem.field == "time_of_day":
        return Repair(
            problem, "clear the time: the plan keeps no time of day", {"time_of_day": None}
        )
    if problem.table == "screens" and problem.field == "status":
        from hipcoach.store.screens import outcome_from_dict

        try:
            status = outcome_from_dict(json.loads(row.outcome_json)).status.value
        except (KeyError, ValueError, TypeError):
            return None
        return Repair(problem, f"take the status of its outcome ('{status}')", {"status": status})
    if problem.table == "measurements" and problem.field == "unit":
        unit = UNITS[Kind(row.kind)]
        return Repair(problem, f"take its kind's unit ('{unit}')", {"unit": unit})
    return None


def _scan(engine: Engine, known: dict[str, Goal]) -> tuple[list[RowProblem], list[Repair], int]:
    problems: list[RowProblem] = []
    repairs: list[Repair] = []
    checked = 0
    with Session(engine) as db:
        for model, convert in _table_checks():
            table = model.__table__.name  # type: ignore[attr-defined]
            for row in _rows(db, model):
                checked += 1
                if isinstance(row, RowProblem):
                    problems.append(row)
                    continue
                found = convert(db, row)
                row_problems = [found] if isinstance(found, RowProblem) else []
                if not row_problems and table == "plans":
                    row_problems = [p for p in [_goal_problem(row, known)] if p]
                if not row_problems:
                    row_problems = _record_check_problems(table, row)
                for problem in row_problems:
                    problems.append(problem)
                    if (repair := _repair(problem, row, known)) is not None:
                        repairs.append(repair)
    return problems, repairs, checked


# --- use cases -----------------------------------------------------------------------


def examine(ctx: Context) -> DoctorReport:
    """Check the journal and every stored row; changes nothing."""
    from hipcoach.store.engine import mask_url

    database = mask_url(ctx.settings.database_url)
    copies = check_copies(ctx.settings.database_url)
    kept = (copies,) if copies is not None else ()
    engine = _open(ctx)
    if isinstance(engine, JournalFinding):
        return DoctorReport(database, (engine, *kept), ())
    try:
        report = _examined(ctx, engine, database)
    finally:
        engine.dispose()
    return replace(report, journal=(*report.journal, *kept))


def repair(ctx: Context) -> DoctorReport:
    """Rebuild a SQLite journal an earlier hipcoach left half-upgraded (store.rebuild),
    then check it again. Refused for a journal that is not half-upgraded."""
    from hipcoach.store.migrate import HalfUpgradedError, current_revision, migrate
    from hipcoach.store.rebuild import rebuild_journal
    from hipcoach.store.safekeeping import journal_path

    journal = journal_path(ctx.settings.database_url)
    if journal is None:
        raise HipcoachError("`--repair` rebuilds SQLite journals; PostgreSQL keeps its own")
    engine = _open(ctx)
    if isinstance(engine, JournalFinding):
        raise HipcoachError(f"cannot repair the journal: {engine.message}")
    try:
        revision = current_revision(engine)
        half_upgraded = revision is None and bool(inspect(engine).get_table_names())
        if revision is not None:
            try:
                migrate(engine)  # a journal that was only behind needs no rebuild
            except HalfUpgradedError:
                half_upgraded = True
    finally:
        engine.dispose()
    if not half_upgraded:
        raise HipcoachError(
            "the journal is not half-upgraded, so there is nothing for --repair to rebuild; "
            "`hipcoach doctor` says what else it finds"
        )
    result = rebuild_journal(journal)
    moved = sum(result.rows_copied.values())
    log.warning(
        "hipcoach doctor: rebuilt the journal with %d rows carried over; the file as it was "
        "is kept at %s",
        moved,
        result.kept_copy,
    )
    report = examine(ctx)
    rebuilt = JournalFinding(
        "repair",
        True,
        f"rebuilt at the current schema with {moved} rows carried over; "
        f"the file as it was is kept at {result.kept_copy}",
    )
    return replace(report, journal=(rebuilt, *report.journal))


def _examined(ctx: Context, engine: Engine, database: str) -> DoctorReport:
    findings: list[JournalFinding] = []
    for check in JOURNAL_CHECKS:
        try:
            findings.append(check(engine))
        except (SQLAlchemyError, HipcoachError) as exc:
            findings.append(JournalFinding(check.__name__.removeprefix("check_"), False, str(exc)))
    if not all(f.ok for f in findings):
        # A damaged file or an older schema cannot be read row by row; say so and stop.
        return DoctorReport(database, tuple(findings), ())
    if not inspect(engine).has_table("screens"):
        return DoctorReport(database, tuple(findings), ())
    from hipcoach.services.programs import goals

    problems, repairs, checked = _scan(engine, goals(ctx))
    return DoctorReport(
        database, tuple(findings), tuple(problems), tuple(repairs), rows_checked=checked
    )


def fix(ctx: Context) -> DoctorReport:
    """Bring the schema up to date and make every safe repair; then check again."""
    engine = _open(ctx)
    if isinstance(engine, JournalFinding):
        return examine(ctx)
    try:
        from hipcoach.store.migrate import HEAD_REVISION, current_revision, migrate

        if current_revision(engine) not in (None, HEAD_REVISION):
            migrate(engine)
        before = examine(ctx)
        done = _apply(engine, before.repairs)
    finally:
        engine.dispose()
    return replace(examine(ctx), repaired=done)


def remove(
    ctx: Context, problems: Sequence[RowProblem], repaired: Sequence[Repair] = ()
) -> DoctorReport:
    """Delete the rows behind `problems` (a session takes its segment events with it)."""
    from hipcoach.store.tables import Base

    engine = _open(ctx)
    if isinstance(engine, JournalFinding):
        return examine(ctx)
    tables = Base.metadata.tables
    gone: list[RowProblem] = []
    try:
        with engine.begin() as connection:
            for problem in dict.fromkeys(problems):
                table = tables[problem.table]
                connection.execute(delete(table).where(table.c.id == problem.row_id))
                gone.append(problem)
    finally:
        engine.dispose()
    return replace(examine(ctx), repaired=tuple(repaired), removed=tuple(gone))


def _apply(engine: Engine, repairs: Sequence[Repair]) -> tuple[Repair, ...]:
    from hipcoach.store.tables import Base

    tables = Base.metadata.tables
    with engine.begin() as connection:
        for repair in repairs:
            table = tables[repair.problem.table]
            connection.execute(
                update(table).where(table.c.id == repair.problem.row_id).values(**repair.values)
            )
    return tuple(repairs)


def _open(ctx: Context) -> Engine | JournalFinding:
    """An engine on the journal, not migrated (doctor looks at the journal as it is), or
    the finding that says why it does not open."""
    from hipcoach.store.engine import create_engine_for

    try:
        return create_engine_for(ctx.settings.database_url)
    except HipcoachError as exc:
        return JournalFinding("open", False, str(exc))
