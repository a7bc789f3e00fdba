"""The journal's less obvious SQL statements, built here so journal.py reads as plain steps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Select, case, func, select

from hipcoach.store.tables import SegmentEventRow, SessionRow


def segment_upsert(dialect_name: str, values: dict[str, Any]) -> Executable:
    """Insert a segment event, or merge it into the row already there for its index.

    The outcome only ever moves up ('skipped' to 'completed', never back), and
    elapsed seconds add up: a segment replayed after 'back' took both stretches.
    """
    # Imported here so a SQLite start-up does not pay for the PostgreSQL dialect.
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    statement = insert(SegmentEventRow).values(values)
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


def history_query(profile_id: int, limit: int) -> Select[SessionRow, int, int, float]:
    """A profile's sessions, newest first, each with done, completed and seconds spent."""
    event = SegmentEventRow
    return (
        select(
            SessionRow,
            func.count(event.id),
            func.count(case((event.outcome == "completed", 1))),
            func.coalesce(func.sum(event.elapsed_seconds), 0.0),
        )
        .outerjoin(event, event.session_id == SessionRow.id)
        .where(SessionRow.profile_id == profile_id)
        # Grouping by the primary key lets PostgreSQL select the other session columns.
        .group_by(SessionRow.id)
        .order_by(SessionRow.started_at.desc(), SessionRow.updated_at.desc())
        .limit(limit)
    )
