"""Plans in the store: create, read the current one, change status, and what adherence needs.

Same rules as the journal: each method is one short transaction that commits
before it returns, and hands back frozen records, never ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hipcoach.domain.errors import StoreError
from hipcoach.domain.goals import MAX_WEEKS
from hipcoach.domain.planning import PlanError, check_plan_start, parse_time, weekdays_from_text
from hipcoach.store.records import SESSION_STATUSES
from hipcoach.store.repository import Repository, utc
from hipcoach.store.row_problems import (
    RowInvalid,
    RowProblem,
    check_choice,
    check_int,
    check_moment,
    check_optional_text,
    check_text,
    convert,
    converted,
    kept,
    report,
    rows_of,
)
from hipcoach.store.tables import PLAN_STATUSES, PlanRow, ProfileRow, SessionRow


@dataclass(frozen=True)
class PlanRecord:
    """One stored plan, as the services see it."""

    id: int
    profile_id: int
    goal_id: str
    created_at: datetime
    updated_at: datetime
    start_date: date
    weeks: int
    weekdays: tuple[str, ...]  # ("mon", "wed", "fri")
    time_of_day: str | None  # "07:00", local time
    status: str
    status_reason: str | None


@dataclass(frozen=True)
class PlanSessionRecord:
    """A finished or broken-off session that may count toward a plan."""

    session_id: str
    started_at: datetime
    routine_id: str
    status: str  # completed, partial or in_progress
    plan_id: int | None


class PlanRepository(Repository):
    """Reads and writes plans through one SQLAlchemy engine."""

    def create(
        self,
        profile_id: int,
        goal_id: str,
        start_date: date,
        weeks: int,
        weekdays: tuple[str, ...],
        time_of_day: str | None,
        now: datetime | None = None,
    ) -> PlanRecord:
        """Store a new active plan, ending the profile's current one in the same transaction."""
        moment = utc(now)
        with self._transaction("create the plan") as db:
            if db.get(ProfileRow, profile_id) is None:
                raise StoreError(f"no profile with id {profile_id}")
            row = PlanRow(
                profile_id=profile_id,
                goal_id=goal_id,
                created_at=moment,
                updated_at=moment,
                start_date=start_date,
                weeks=weeks,
                weekdays=",".join(weekdays),
                time_of_day=time_of_day,
                status="active",
                status_reason=None,
            )
            db.add(row)
            db.flush()
            db.execute(
                update(PlanRow)
                .where(
                    PlanRow.profile_id == profile_id,
                    PlanRow.status != "ended",
                    PlanRow.id != row.id,
                )
                .values(
                    status="ended", status_reason=f"replaced by plan {row.id}", updated_at=moment
                )
            )
            return _record(row)

    def active(self, profile_id: int) -> PlanRecord | None:
        """The profile's current plan (active or paused), or None; ended plans are history."""
        query = (
            select(PlanRow)
            .where(PlanRow.profile_id == profile_id, PlanRow.status != "ended")
            .order_by(PlanRow.created_at.desc(), PlanRow.id.desc())
            .limit(1)
        )
        with self._transaction("read the plans") as db:
            rows = converted(rows_of(db, query, PlanRow.__table__), plan_from_row)
            if not rows:
                return None
            found = rows[0]
        if isinstance(found, RowProblem):
            # No plan rather than a wrong one: the warning names the row and doctor mends it.
            report(found)
            return None
        return found

    def get(self, plan_id: int) -> PlanRecord:
        """The plan with this id; StoreError when there is none."""
        with self._transaction("read the plan") as db:
            return _readable(_plan_row(db, plan_id))

    def set_status(
        self, plan_id: int, status: str, reason: str | None = None, now: datetime | None = None
    ) -> PlanRecord:
        """Pause, resume (active) or end a plan, with the reason shown to the user."""
        if status not in PLAN_STATUSES:
            raise StoreError(f"a plan is one of {PLAN_STATUSES}, not '{status}'")
        with self._transaction("change the plan") as db:
            row = _plan_row(db, plan_id)
            if row.status == "ended" and status != "ended":
                raise StoreError(f"plan {plan_id} has ended; make a new plan instead")
            row.status = status
            row.status_reason = reason
            row.updated_at = utc(now)
            return _readable(row)

    def link_session(self, session_id: str, plan_id: int) -> None:
        """Mark a journal session as part of a plan, so adherence counts it without guessing."""
        with self._transaction("link the session to the plan") as db:
            session = db.get(SessionRow, session_id)
            if session is None:
                raise StoreError(f"no session with id '{session_id}'")
            plan = _plan_row(db, plan_id)
            if plan.profile_id != session.profile_id:
                raise StoreError("a session can only join a plan of its own profile")
            session.plan_id = plan_id

    def sessions_for(self, plan: PlanRecord) -> list[PlanSessionRecord]:
        """Sessions that may count toward `plan`: its own, and the profile's unlinked ones.

        Unlinked sessions are read from a day either side of the plan's dates,
        since the plan's days are local and the journal's times are UTC; the
        caller turns each into a local date and keeps those inside the plan.
        """
        first = datetime.combine(plan.start_date - timedelta(days=1), datetime.min.time(), UTC)
        last = first + timedelta(days=7 * plan.weeks + 2)
        query = (
            select(SessionRow)
            .where(
                SessionRow.profile_id == plan.profile_id,
                or_(
                    SessionRow.plan_id == plan.id,
                    (SessionRow.plan_id.is_(None))
                    & (SessionRow.started_at >= first)
                    & (SessionRow.started_at < last),
                ),
            )
            .order_by(SessionRow.started_at)
        )
        with self._transaction("read the plan's sessions") as db:
            rows = rows_of(db, query, SessionRow.__table__)
            return kept(converted(rows, _plan_session))

    def completed_dates(
        self, plan: PlanRecord, routine_id: str, zone: tzinfo | None = None
    ) -> frozenset[date]:
        """Local dates with a completed session for `plan`.

        A session linked to the plan counts whatever it played; an unlinked
        one counts when it played the plan's routine (a desk break on a
        morning-pry plan is welcome, but it is not the planned session).
        """
        return frozenset(
            s.started_at.astimezone(zone).date()
            for s in self.sessions_for(plan)
            if s.status == "completed" and (s.plan_id == plan.id or s.routine_id == routine_id)
        )


def _plan_row(db: Session, plan_id: int) -> PlanRow:
    row = db.get(PlanRow, plan_id)
    if row is None:
        raise StoreError(f"no plan with id {plan_id}")
    return row


def plan_from_row(row: PlanRow) -> PlanRecord | RowProblem:
    """The stored plan, or the problem that keeps it out of every view."""
    return convert("plans", row.id, lambda: _checked(row))


def _readable(row: PlanRow) -> PlanRecord:
    found = plan_from_row(row)
    if isinstance(found, RowProblem):
        raise StoreError(f"{found.describe()}; see hipcoach doctor")
    return found


def _plan_session(row: SessionRow) -> PlanSessionRecord | RowProblem:
    def build() -> PlanSessionRecord:
        check_moment("started_at", row.started_at)
        check_choice("status", row.status, SESSION_STATUSES)
        return PlanSessionRecord(row.id, row.started_at, row.routine_id, row.status, row.plan_id)

    return convert("sessions", row.id, build)


def _checked(row: PlanRow) -> PlanRecord:
    check_text("goal_id", row.goal_id, 100, empty=False)
    check_moment("created_at", row.created_at)
    check_moment("updated_at", row.updated_at)
    # The planner's own checks, the ones `plan new` and the import use.
    try:
        check_plan_start(row.start_date, datetime.now(UTC).date())
    except PlanError as exc:
        raise RowInvalid("start_date", str(exc)) from None
    check_int("weeks", row.weeks, 1, MAX_WEEKS)
    try:
        weekdays_from_text(check_text("weekdays", row.weekdays, 40))
    except PlanError as exc:
        raise RowInvalid("weekdays", f"'{row.weekdays}': {exc}") from None
    if row.time_of_day is not None:
        try:
            parse_time(check_text("time_of_day", row.time_of_day, 5))
        except PlanError:
            shown = row.time_of_day
            raise RowInvalid("time_of_day", f"'{shown}' is not a time like 07:00") from None
    check_choice("status", row.status, PLAN_STATUSES)
    check_optional_text("status_reason", row.status_reason)
    return _record(row)


def _record(row: PlanRow) -> PlanRecord:
    return PlanRecord(
        id=row.id,
        profile_id=row.profile_id,
        goal_id=row.goal_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        start_date=row.start_date,
        weeks=row.weeks,
        weekdays=tuple(d for d in row.weekdays.split(",") if d),
        time_of_day=row.time_of_day,
        status=row.status,
        status_reason=row.status_reason,
    )
