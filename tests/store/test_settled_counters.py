"""A completed session's segment counter lives in its profile's base (migration 0008).

A page cache trusts the profile's segment total to go up with every change to
its segment events and never to come back to a value it has seen. The total
is the base plus the counters of the sessions not completed, which is what
keeps its read small; these tests hold the total to that promise through
every way a session changes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from hipcoach.store import Journal
from hipcoach.store import queries as q
from hipcoach.store.tables import ProfileRow, SegmentEventRow, SessionRow
from tests.store.helpers import T0, record, start

INDEX = "ix_sessions_unsettled_profile_id"


def _stored(journal: Journal, profile_id: int, session_id: str) -> tuple[int, int]:
    """(the profile's base, the session's own counter) as stored."""
    with journal.engine.connect() as conn:
        base = conn.execute(
            select(ProfileRow.segment_version).where(ProfileRow.id == profile_id)
        ).scalar_one()
        own = conn.execute(
            select(SessionRow.segment_version).where(SessionRow.id == session_id)
        ).scalar_one()
    return int(base), int(own)


def test_completing_a_session_moves_its_count_into_the_base(journal: Journal) -> None:
    profile = journal.ensure_profile("ana").id
    session_id = start(journal, profile)
    for index in range(3):
        record(journal, session_id, index)
    before = journal.data_version(profile).segments
    assert _stored(journal, profile, session_id) == (0, 3)
    journal.finish_session(session_id, "completed", T0)
    assert journal.data_version(profile).segments == before
    assert _stored(journal, profile, session_id) == (3, 0)


def test_a_partial_session_keeps_its_own_count(journal: Journal) -> None:
    """Partial sessions can be resumed and saved to: they stay in the sum."""
    profile = journal.ensure_profile("ana").id
    session_id = start(journal, profile)
    record(journal, session_id, 0)
    journal.finish_session(session_id, "partial", T0)
    assert _stored(journal, profile, session_id) == (0, 1)
    record(journal, session_id, 1)
    assert journal.data_version(profile).segments == 2


def test_a_change_to_a_completed_sessions_events_still_moves_the_total(
    journal: Journal,
) -> None:
    """Imports and repairs write to completed sessions: the base counts them."""
    profile = journal.ensure_profile("ana").id
    session_id = start(journal, profile)
    record(journal, session_id, 0)
    record(journal, session_id, 1)
    journal.finish_session(session_id, "completed", T0)
    seen = [journal.data_version(profile).segments]
    with journal.engine.begin() as conn:
        conn.execute(
            update(SegmentEventRow)
            .where(SegmentEventRow.segment_index == 1)
            .values(elapsed_seconds=5.0)
        )
    seen.append(journal.data_version(profile).segments)
    with journal.engine.begin() as conn:
        conn.execute(delete(SegmentEventRow).where(SegmentEventRow.segment_index == 0))
    seen.append(journal.data_version(profile).segments)
    assert seen == sorted(set(seen))  # strictly up at each change
    assert _stored(journal, profile, session_id)[1] == 0
    [row] = journal.history(profile)
    assert (row.segments_done, row.time_spent_seconds) == (1, 5.0)


def test_an_imported_completed_session_counts_in_the_base(journal: Journal) -> None:
    from hipcoach.store.export import dump_profile, restore_profile

    profile = journal.ensure_profile("ana").id
    session_id = start(journal, profile)
    for index in range(4):
        record(journal, session_id, index)
    journal.finish_session(session_id, "completed", T0)
    dump = dump_profile(journal.engine, profile)
    summary = restore_profile(journal.engine, "ben", _renamed(dump, session_id))
    assert summary.counts["segment_events"] == 4
    restored = journal.ensure_profile("ben").id
    assert journal.data_version(restored).segments >= 4  # one bump per event written
    with journal.engine.connect() as conn:
        own = conn.execute(
            select(SessionRow.segment_version).where(SessionRow.profile_id == restored)
        ).scalar_one()
    assert own == 0


def _renamed(dump: dict[str, Any], session_id: str) -> dict[str, Any]:
    """The dump with its session under another id (session ids are global)."""
    records = dump["records"]
    copy = "copy" + session_id[4:]
    for row in records["sessions"]:
        row["id"] = copy
    for row in records["segment_events"]:
        row["session_id"] = copy
    return dump


# What a sequence of changes can do to a profile's sessions, in every order hypothesis
# finds: each must leave the total where it was or above, and above after an event change.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 0)),
        st.tuples(st.just("save"), st.integers(0, 9)),
        st.tuples(st.just("complete"), st.integers(0, 2)),
        st.tuples(st.just("partial"), st.integers(0, 2)),
        st.tuples(st.just("reopen"), st.integers(0, 2)),
        st.tuples(st.just("edit"), st.integers(0, 2)),
        st.tuples(st.just("drop event"), st.integers(0, 2)),
        st.tuples(st.just("delete"), st.integers(0, 2)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_the_total_goes_up_with_every_event_change_and_never_back(
    journal: Journal, steps: list[tuple[str, int]]
) -> None:
    profile = journal.ensure_profile(f"p{len(_profiles)}").id
    _profiles.append(profile)
    sessions: list[str] = [start(journal, profile)]
    total = journal.data_version(profile).segments
    for action, n in steps:
        session_id = sessions[n % len(sessions)] if sessions else None
        moved_events = _apply(journal, profile, sessions, action, n, session_id)
        now = journal.data_version(profile).segments
        assert now >= total, (action, n)
        if moved_events:
            assert now > total, (action, n)
        total = now
    assert total == _recounted(journal, profile)


_profiles: list[int] = []


def _apply(
    journal: Journal,
    profile: int,
    sessions: list[str],
    action: str,
    n: int,
    session_id: str | None,
) -> bool:
    """Carry out one step; whether it changed any segment event."""
    if action == "start":
        sessions.append(start(journal, profile, minutes=len(sessions)))
        return False
    if session_id is None:
        return False
    with journal.engine.begin() as conn:
        if action in {"complete", "partial", "reopen"}:
            status = {"complete": "completed", "partial": "partial", "reopen": "in_progress"}
            conn.execute(
                update(SessionRow).where(SessionRow.id == session_id).values(status=status[action])
            )
            return False
        if action == "delete":
            conn.execute(delete(SessionRow).where(SessionRow.id == session_id))
            sessions.remove(session_id)
            return False
        events = conn.execute(
            select(SegmentEventRow.id).where(SegmentEventRow.session_id == session_id)
        ).scalars()
        event_ids = list(events)
    if action == "save":
        # The journal's own save, whatever the status (a completed session's save is
        # the player's to refuse, and an import's path writes the same rows).
        record(journal, session_id, n)
        return True
    if not event_ids:
        return False
    target = event_ids[n % len(event_ids)]
    with journal.engine.begin() as conn:
        if action == "edit":
            conn.execute(
                update(SegmentEventRow)
                .where(SegmentEventRow.id == target)
                .values(elapsed_seconds=SegmentEventRow.elapsed_seconds + 1)
            )
        else:
            conn.execute(delete(SegmentEventRow).where(SegmentEventRow.id == target))
    return True


def _recounted(journal: Journal, profile: int) -> int:
    """The total summed the long way, over every session (what 0007 read)."""
    with journal.engine.connect() as conn:
        base = conn.execute(
            select(ProfileRow.segment_version).where(ProfileRow.id == profile)
        ).scalar_one()
        sessions = conn.execute(
            text("SELECT coalesce(sum(segment_version), 0) FROM sessions WHERE profile_id = :p"),
            {"p": profile},
        ).scalar_one()
    return int(base) + int(sessions)


def test_the_total_reads_only_unsettled_sessions_through_their_index(journal: Journal) -> None:
    """The planner can use the partial index for the counter read (its predicate is the
    query's): a profile's read stays a handful of rows however long its history."""
    profile = journal.ensure_profile("ana").id
    for minutes in range(20):
        session_id = start(journal, profile, minutes=minutes)
        record(journal, session_id, 0)
        journal.finish_session(session_id, "completed", T0)
    engine = journal.engine
    compiled = q.DATA_VERSION.compile(engine)
    values = {**compiled.params, "profile_id": profile}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            order = compiled.positiontup or []
            explain = f"EXPLAIN QUERY PLAN {compiled}"
            rows = conn.exec_driver_sql(explain, tuple(values[name] for name in order))
        else:
            # As the server runs it after a few executions: prepared, with a generic
            # plan that must hold for any parameter value.
            names: list[str] = []
            sql = re.sub(
                r"%\((\w+)\)s", lambda m: f"${names.append(m[1]) or len(names)}", str(compiled)
            )
            conn.exec_driver_sql(f"PREPARE counter_read AS {sql}")
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql("SET enable_seqscan = off")  # a table this small is read whole
            arguments = ", ".join(repr(values[name]) for name in names)
            rows = conn.exec_driver_sql(f"EXPLAIN EXECUTE counter_read({arguments})")
        plan = " ".join(str(r) for r in rows)
    assert INDEX in plan, plan
    assert journal.data_version(profile).segments == 20
