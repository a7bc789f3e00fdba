"""Check-ins and symptom events: how the hip felt around sessions, and what the rules did.

Same habits as the journal: one short transaction per write, committed before
the method returns; frozen records out, never ORM objects; database errors
become StoreError. `update_session_plan` rewrites a session's plan after a
mid-session change, so a resumed session recompiles to the same spliced plan.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from hipcoach.domain.errors import StoreError
from hipcoach.store.records import SESSION_STATUSES
from hipcoach.store.repository import Repository, utc
from hipcoach.store.row_problems import (
    RowProblem,
    check_choice,
    check_int,
    check_moment,
    check_optional_text,
    check_text,
    convert,
    converted,
    kept,
    rows_of,
)
from hipcoach.store.tables import (
    CHECKIN_MOMENTS,
    MORNING_AFTER,
    SYMPTOMS,
    CheckinRow,
    SegmentEventRow,
    SessionRow,
    SymptomEventRow,
)

__all__ = [
    "CheckinRecord",
    "CheckinRepository",
    "RecentActivity",
    "SessionBrief",
    "SessionPlan",
    "SymptomRecord",
    "update_session_plan",
]


@dataclass(frozen=True)
class CheckinRecord:
    """One check-in: before a session (pain now, the morning after the last) or after it."""

    id: int
    session_id: str | None
    moment: str  # before | after
    recorded_at: datetime
    pain: int | None
    morning_after: str | None
    effort: int | None


@dataclass(frozen=True)
class SymptomRecord:
    """A symptom report and the rule that answered it."""

    id: int
    session_id: str | None
    segment_index: int | None
    symptom: str
    recorded_at: datetime
    rule_id: str
    action: str


@dataclass(frozen=True)
class SessionBrief:
    """The little the rules need to know about a past session."""

    id: str
    started_at: datetime
    status: str
    steps_done: int = 0  # segments completed
    steps_total: int = 0  # segments in its plan (after any change mid-session)
    ended_by_rule: str | None = None  # the rule that ended it for safety, if one did


@dataclass(frozen=True)
class RecentActivity:
    """Everything since a moment, oldest first: sessions, check-ins and symptom reports."""

    sessions: tuple[SessionBrief, ...]
    checkins: tuple[CheckinRecord, ...]
    symptoms: tuple[SymptomRecord, ...]


@dataclass(frozen=True)
class SessionPlan:
    """A session's plan after a change: its options (with splices), shape and length."""

    session_id: str
    options: Mapping[str, Any]
    fingerprint: str
    total_segments: int
    total_seconds: int
    # Events recorded at or after this index belong to the plan being replaced.
    replaced_from: int
    # The rule that ended the session for safety with this change, if it did: the session
    # closes as "ended for safety" in the same transaction, never to be resumed.
    ended_by_rule: str | None = None


class CheckinRepository(Repository):
    """Reads and writes check-ins and symptom events through one SQLAlchemy engine."""

    def add_checkin(
        self,
        profile_id: int,
        moment: str,
        *,
        session_id: str | None = None,
        pain: int | None = None,
        morning_after: str | None = None,
        effort: int | None = None,
        recorded_at: datetime | None = None,
    ) -> CheckinRecord:
        """Store one check-in; values outside their ranges are refused before any write."""
        if moment not in CHECKIN_MOMENTS:
            raise StoreError(f"a check-in is 'before' or 'after', not '{moment}'")
        for name, value in (("pain", pain), ("effort", effort)):
            if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
                raise StoreError(f"{name} must be from 0 to 10, got {value!r}")
        if morning_after is not None and morning_after not in MORNING_AFTER:
            raise StoreError(f"morning-after must be one of {MORNING_AFTER}, not '{morning_after}'")
        with self._transaction("record the check-in") as db:
            _check_session(db, profile_id, session_id)
            row = CheckinRow(
                profile_id=profile_id,
                session_id=session_id,
                moment=moment,
                recorded_at=utc(recorded_at),
                pain=pain,
                morning_after=morning_after,
                effort=effort,
            )
            db.add(row)
            db.flush()
            return _checkin(row)

    def record_symptom(
        self,
        profile_id: int,
        symptom: str,
        rule_id: str,
        action: str,
        *,
        session_id: str | None = None,
        segment_index: int | None = None,
        recorded_at: datetime | None = None,
        plan: SessionPlan | None = None,
    ) -> SymptomRecord:
        """Log a symptom and the rule's answer; with `plan`, rewrite the session's plan in
        the same transaction, so the log and the plan never disagree."""
        if symptom not in SYMPTOMS:
            raise StoreError(f"unknown symptom '{symptom}'; expected one of {SYMPTOMS}")
        if not rule_id:
            raise StoreError("a symptom event needs the id of the rule that answered it")
        with self._transaction("record the symptom") as db:
            _check_session(db, profile_id, session_id)
            row = SymptomEventRow(
                profile_id=profile_id,
                session_id=session_id,
                segment_index=segment_index,
                symptom=symptom,
                recorded_at=utc(recorded_at),
                rule_id=rule_id,
                action=action,
            )
            db.add(row)
            if plan is not None:
                _write_plan(db, plan)
            db.flush()
            return _symptom(row)

    def recent(self, profile_id: int, since: datetime) -> RecentActivity:
        """Sessions started, check-ins and symptoms recorded since `since`, oldest first."""
        start = utc(since)
        with self._transaction("read the check-ins") as db:
            sessions = rows_of(
                db,
                select(
                    SessionRow.id,
                    SessionRow.started_at,
                    SessionRow.status,
                    SessionRow.segments_completed,
                    SessionRow.total_segments,
                    SessionRow.ended_by_rule,
                )
                .where(SessionRow.profile_id == profile_id, SessionRow.started_at >= start)
                .order_by(SessionRow.started_at, SessionRow.id),
                SessionRow.__table__,
                entities=False,
            )
            briefs = tuple(kept(converted(sessions, lambda row: brief_from_row(*row))))
            checkins = rows_of(
                db,
                select(CheckinRow)
                .where(CheckinRow.profile_id == profile_id, CheckinRow.recorded_at >= start)
                .order_by(CheckinRow.recorded_at, CheckinRow.id),
                CheckinRow.__table__,
            )
            checkin_records = tuple(kept(converted(checkins, checkin_from_row)))
            symptoms = rows_of(
                db,
                select(SymptomEventRow)
                .where(
                    SymptomEventRow.profile_id == profile_id, SymptomEventRow.recorded_at >= start
                )
                .order_by(SymptomEventRow.recorded_at, SymptomEventRow.id),
                SymptomEventRow.__table__,
            )
            symptom_records = tuple(kept(converted(symptoms, symptom_from_row)))
            return RecentActivity(briefs, checkin_records, symptom_records)

    def session_symptoms(self, session_id: str) -> tuple[SymptomRecord, ...]:
        """Every symptom reported during one session, in order."""
        query = (
            select(SymptomEventRow)
            .where(SymptomEventRow.session_id == session_id)
            .order_by(SymptomEventRow.recorded_at, SymptomEventRow.id)
        )
        with self._transaction("read the symptoms") as db:
            rows = rows_of(db, query, SymptomEventRow.__table__)
            return tuple(kept(converted(rows, symptom_from_row)))


def update_session_plan(engine: Engine, plan: SessionPlan) -> None:
    """Rewrite a session's plan (options, fingerprint, length) on its own, in one transaction.

    Belongs on Journal (as `Journal.update_session_plan(plan)`); it lives here until then.
    """
    with CheckinRepository(engine)._transaction("update the session's plan") as db:
        _write_plan(db, plan)


def _write_plan(db: Session, plan: SessionPlan) -> None:
    if plan.total_segments < 0 or plan.total_seconds < 0 or plan.replaced_from < 0:
        raise StoreError("a session plan cannot have a negative length")
    if plan.replaced_from > plan.total_segments:
        raise StoreError("a new plan must keep the segments already played")
    try:
        options_json = json.dumps(dict(plan.options), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"session options cannot be stored as JSON: {exc}") from None
    session = db.get(SessionRow, plan.session_id)
    if session is None:
        raise StoreError(f"no session with id '{plan.session_id}'")
    session.options_json = options_json
    session.fingerprint = plan.fingerprint
    session.total_segments = plan.total_segments
    session.total_seconds = plan.total_seconds
    session.updated_at = utc(None)
    if plan.ended_by_rule is not None:
        session.status = "partial"
        session.ended_by_rule = plan.ended_by_rule
        session.ended_at = session.updated_at
    # Anything recorded from the splice point on (after going back, say) described
    # segments of the old plan; left in place it would mark new segments as done.
    db.execute(
        delete(SegmentEventRow).where(
            SegmentEventRow.session_id == plan.session_id,
            SegmentEventRow.segment_index >= plan.replaced_from,
        )
    )


def _check_session(db: Session, profile_id: int, session_id: str | None) -> None:
    if session_id is None:
        return
    session = db.get(SessionRow, session_id)
    if session is None or session.profile_id != profile_id:
        raise StoreError(f"no session with id '{session_id}' for this profile")


def brief_from_row(
    session_id: str,
    started_at: datetime,
    status: str,
    steps_done: int,
    steps_total: int,
    ended_by_rule: str | None,
) -> SessionBrief | RowProblem:
    """A session as the rules see it, or the problem that keeps it out of their count."""

    def build() -> SessionBrief:
        check_moment("started_at", started_at)
        check_choice("status", status, SESSION_STATUSES)
        check_int("total_segments", steps_total, 0, 100_000)
        check_int("segments_completed", steps_done, 0, 100_000)
        check_optional_text("ended_by_rule", ended_by_rule, 64)
        return SessionBrief(session_id, started_at, status, steps_done, steps_total, ended_by_rule)

    return convert("sessions", session_id, build)


def checkin_from_row(row: CheckinRow) -> CheckinRecord | RowProblem:
    """The stored check-in, or the problem that keeps it out of every view."""

    def build() -> CheckinRecord:
        check_choice("moment", row.moment, CHECKIN_MOMENTS)
        check_moment("recorded_at", row.recorded_at)
        for name, value in (("pain", row.pain), ("effort", row.effort)):
            if value is not None:
                check_int(name, value, 0, 10)
        if row.morning_after is not None:
            check_choice("morning_after", row.morning_after, MORNING_AFTER)
        return _checkin(row)

    return convert("checkins", row.id, build)


def symptom_from_row(row: SymptomEventRow) -> SymptomRecord | RowProblem:
    """The stored symptom report, or the problem that keeps it out of every view."""

    def build() -> SymptomRecord:
        check_choice("symptom", row.symptom, SYMPTOMS)
        check_moment("recorded_at", row.recorded_at)
        check_text("rule_id", row.rule_id, 64, empty=False)
        check_text("action", row.action)
        if row.segment_index is not None:
            check_int("segment_index", row.segment_index, 0, 100_000)
        return _symptom(row)

    return convert("symptom_events", row.id, build)


def _checkin(row: CheckinRow) -> CheckinRecord:
    return CheckinRecord(
        row.id,
        row.session_id,
        row.moment,
        row.recorded_at,
        row.pain,
        row.morning_after,
        row.effort,
    )


def _symptom(row: SymptomEventRow) -> SymptomRecord:
    return SymptomRecord(
        row.id,
        row.session_id,
        row.segment_index,
        row.symptom,
        row.recorded_at,
        row.rule_id,
        row.action,
    )
