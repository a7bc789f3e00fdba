"""The journal's less obvious SQL statements, built here so journal.py reads as plain steps."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Executable,
    bindparam,
    case,
    cast,
    func,
    insert,
    select,
    text,
    update,
)

from hipcoach.store.tables import (
    UNSETTLED,
    ProfileRow,
    SegmentEventRow,
    SegmentSaveRow,
    SessionRow,
)


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
SAVED_INDICES = select(SegmentEventRow.segment_index).where(
    SegmentEventRow.session_id == bindparam("session_id")
)
"""The session's segments with an event: a save's answer counts them."""
_ANSWER = select(SegmentSaveRow.save_key, SegmentSaveRow.segment_index, SegmentSaveRow.saved)
SAVED_ANSWER = _ANSWER.where(
    SegmentSaveRow.session_id == bindparam("session_id"),
    SegmentSaveRow.save_key == bindparam("save_key"),
)
"""The answer a save of the session sent with this key got, if it was made."""


@lru_cache(maxsize=1)
def batch_reads_postgresql() -> tuple[Executable, Executable, Executable]:
    """What a batch reads before it writes, for a list of sessions (and keys) at once: on
    PostgreSQL each statement is a round trip, where SQLite reads them one session at a
    time in-process for next to nothing. (heads, locked in id order; the segments with an
    event; the answers kept for the keys.)

    The heads lock the row of each session the batch saves to before it writes anything,
    in id order (SQLite has one writer anyway). Every other lock a save takes (its event,
    its key, the session's figures) is then taken under the session's, so two batches
    never wait on each other in a circle. NO KEY UPDATE: inserts that refer to the session
    (check-ins, symptom events) take KEY SHARE and go ahead beside it.
    """
    from sqlalchemy.dialects.postgresql import ARRAY

    def ids() -> Any:
        return func.any(bindparam("session_ids", type_=ARRAY(SessionRow.id.type)))

    heads = (
        select(*SESSION_HEAD.selected_columns)
        .where(SessionRow.id == ids())
        # The rows are locked as they come out of the sort: in id order.
        .order_by(SessionRow.id)
        .with_for_update(key_share=True)
    )
    indices = select(SegmentEventRow.session_id, SegmentEventRow.segment_index).where(
        SegmentEventRow.session_id == ids()
    )
    keys = bindparam("save_keys", type_=ARRAY(SegmentSaveRow.save_key.type))
    # (session, key) pairs, each found by the primary key: a session's saves number in
    # the thousands, and matching the keys among them (session_id = ANY and save_key =
    # ANY) let the planner read them all once the table's statistics were fresh.
    key_sessions = bindparam("key_sessions", type_=ARRAY(SegmentSaveRow.session_id.type))
    pairs = (
        func.unnest(key_sessions, keys)
        .table_valued("session_id", "save_key")
        .render_derived(name="pair")
    )
    answers = select(SegmentSaveRow.session_id, *_ANSWER.selected_columns).join(
        pairs,
        (SegmentSaveRow.session_id == pairs.c.session_id)
        & (SegmentSaveRow.save_key == pairs.c.save_key),
    )
    return heads, indices, answers


KEEP_ANSWER = insert(SegmentSaveRow)
TOUCH_SESSION = (
    update(SessionRow)
    .where(SessionRow.id == bindparam("session_id"))
    .values(updated_at=bindparam("at"))
)
_SESSIONS_SEGMENT_VERSIONS = (
    select(cast(func.coalesce(func.sum(SessionRow.segment_version), 0), BigInteger))
    # A literal predicate, not a parameter: the partial index's own, so both databases use it.
    .where(SessionRow.profile_id == ProfileRow.id, text(UNSETTLED))
    .scalar_subquery()
)
DATA_VERSION = select(
    ProfileRow.data_version,
    # A sum of counters that only go up, over the sessions not completed (a handful, found
    # by their partial index); see migrations 0007 and 0008 for why the profile row no
    # longer counts every save and completed sessions count in its base.
    ProfileRow.segment_version + _SESSIONS_SEGMENT_VERSIONS,
).where(ProfileRow.id == bindparam("profile_id"))
