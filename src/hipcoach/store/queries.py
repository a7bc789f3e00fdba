"""The journal's less obvious SQL statements, built here so journal.py reads as plain steps."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Executable, bindparam, case, select, update

from hipcoach.store.tables import ProfileRow, SegmentEventRow, SessionRow


@lru_cache(maxsize=2)
def segment_upsert(dialect_name: str) -> Executable:
    """Insert a segment event (its columns given as parameters), or merge it into the row
    already there for its index. Built once per dialect: it runs every few seconds.

    The outcome only ever moves up ('skipped' to 'completed', never back), and
    elapsed seconds add up: a segment replayed after 'back' took both stretches.
    """
    # Imported here so a SQLite start-up does not pay for the PostgreSQL dialect.
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    statement = insert(SegmentEventRow)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[SegmentEventRow.session_id, SegmentEventRow.segment_index],
        set_={
            "kind": new.kind,
            "exercise_id": new.exercise_id,
            "side": new.side,
            "outcome": case(
                (SegmentEventRow.outcome == "completed", "completed"), else_=new.outcome
            ),
            "planned_seconds": new.planned_seconds,
            "elapsed_seconds": SegmentEventRow.elapsed_seconds + new.elapsed_seconds,
            "recorded_at": new.recorded_at,
        },
    )


# The statements below are built once: SQLAlchemy then finds each compiled form in
# its cache instead of building and hashing the statement again on every call.

HISTORY = (
    select(
        SessionRow.id,
        SessionRow.started_at,
        SessionRow.routine_id,
        SessionRow.routine_name,
        SessionRow.status,
        SessionRow.total_segments,
        SessionRow.segments_saved,
        SessionRow.segments_completed,
        SessionRow.seconds_spent,
        SessionRow.ended_by_rule,
    )
    .where(SessionRow.profile_id == bindparam("profile_id"))
    .order_by(SessionRow.started_at.desc(), SessionRow.updated_at.desc())
    .limit(bindparam("limit"))
)
"""A profile's newest sessions with their figures (kept on the row), newest first."""

SESSION_HEAD = select(
    SessionRow.id,
    SessionRow.profile_id,
    SessionRow.status,
    SessionRow.fingerprint,
    SessionRow.total_segments,
).where(SessionRow.id == bindparam("session_id"))
TOUCH_SESSION = (
    update(SessionRow)
    .where(SessionRow.id == bindparam("session_id"))
    .values(updated_at=bindparam("at"))
    # The figures trigger has already counted the new event: the touch reads it back.
    .returning(SessionRow.segments_saved)
)
DATA_VERSION = select(ProfileRow.data_version, ProfileRow.segment_version).where(
    ProfileRow.id == bindparam("profile_id")
)
