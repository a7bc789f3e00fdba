"""Session and segment rows turned into records, or the problem that keeps one out.

The journal's readers (history, resume, one session) and `hipcoach doctor` go
through these same functions (see store.row_problems).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from hipcoach.store.records import (
    OUTCOMES,
    SESSION_STATUSES,
    HistoryRow,
    SessionRecord,
    SessionStatus,
    shown_status,
)
from hipcoach.store.row_problems import (
    RowInvalid,
    RowProblem,
    check_choice,
    check_int,
    check_moment,
    check_number,
    check_optional_moment,
    check_optional_text,
    check_text,
    convert,
    load_json,
)
from hipcoach.store.tables import SegmentEventRow, SessionRow


def history_row(n: int, values: Sequence[Any]) -> HistoryRow | RowProblem:
    """One line of the history (the `n`th newest), or the problem that keeps it out."""
    (
        session_id,
        started_at,
        routine_id,
        routine_name,
        status,
        total,
        saved,
        completed,
        spent,
        ended_by,
    ) = values

    def build() -> HistoryRow:
        _check_session_fields(started_at, routine_id, routine_name, status, total, ended_by)
        check_int("segments_saved", saved, 0, 100_000)
        check_int("segments_completed", completed, 0, 100_000)
        check_number("seconds_spent", spent, 0, 10**9)
        return HistoryRow(
            session_id=session_id,
            started_at=started_at,
            routine_id=routine_id,
            routine_name=routine_name,
            status=shown_status(status, ended_by),
            # Only the newest session can be resumed (see latest_unfinished).
            resumable=n == 0 and status != "completed" and not ended_by,
            segments_done=saved,
            segments_completed=completed,
            segments_total=total,
            time_spent_seconds=float(spent),
            ended_by_rule=ended_by,
        )

    return convert("sessions", session_id, build)


def session_from_row(db: Session, session: SessionRow) -> SessionRecord | RowProblem:
    """The stored session with its figures, or the problem that keeps it out."""

    def build() -> SessionRecord:
        _check_session_fields(
            session.started_at,
            session.routine_id,
            session.routine_name,
            session.status,
            session.total_segments,
            session.ended_by_rule,
        )
        check_moment("updated_at", session.updated_at)
        check_optional_moment("ended_at", session.ended_at)
        check_int("total_seconds", session.total_seconds, 0, 10**7)
        check_text("fingerprint", session.fingerprint, 64)
        if not isinstance(load_json("options_json", session.options_json), dict):
            raise RowInvalid("options_json", "is not a set of options")
        return _session_record(db, session)

    return convert("sessions", session.id, build)


def segment_event_problem(row: SegmentEventRow) -> RowProblem | None:
    """Why a stored segment event does not pass, or None when it does."""

    def build() -> None:
        check_int("segment_index", row.segment_index, 0, 100_000)
        check_text("kind", row.kind, 32, empty=False)
        check_text("exercise_id", row.exercise_id, 100)
        check_text("side", row.side, 16)
        check_choice("outcome", row.outcome, OUTCOMES)
        check_int("planned_seconds", row.planned_seconds, 0, 10**6)
        check_number("elapsed_seconds", row.elapsed_seconds, 0, 10**7)
        check_moment("recorded_at", row.recorded_at)

    found = convert("segment_events", row.id, build)
    return found if isinstance(found, RowProblem) else None


def _check_session_fields(
    started_at: object,
    routine_id: object,
    routine_name: object,
    status: object,
    total: object,
    ended_by: object,
) -> None:
    check_moment("started_at", started_at)
    check_text("routine_id", routine_id, 100, empty=False)
    check_text("routine_name", routine_name, 200)
    check_choice("status", status, SESSION_STATUSES)
    check_int("total_segments", total, 0, 100_000)
    check_optional_text("ended_by_rule", ended_by, 64)


def _session_record(db: Session, session: SessionRow) -> SessionRecord:
    # The figures are on the row (kept by triggers); only which steps are saved is read here.
    indices = db.scalars(
        select(SegmentEventRow.segment_index).where(SegmentEventRow.session_id == session.id)
    )
    return SessionRecord(
        id=session.id,
        profile_id=session.profile_id,
        routine_id=session.routine_id,
        routine_name=session.routine_name,
        options_json=session.options_json,
        fingerprint=session.fingerprint,
        total_segments=session.total_segments,
        total_seconds=session.total_seconds,
        status=cast(SessionStatus, session.status),
        started_at=session.started_at,
        updated_at=session.updated_at,
        ended_at=session.ended_at,
        done_indices=frozenset(indices),
        completed_count=session.segments_completed,
        skipped_count=session.segments_saved - session.segments_completed,
        time_spent_seconds=float(session.seconds_spent),
        ended_by_rule=session.ended_by_rule,
    )
