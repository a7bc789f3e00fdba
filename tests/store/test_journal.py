"""Journal behaviour, run on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event

from hipcoach.store import Journal, StoreError
from hipcoach.store.driver import DriverCursor, DriverStatement
from tests.store.helpers import T0, record, start


def test_ensure_profile_returns_the_same_profile_each_time(journal: Journal) -> None:
    first = journal.ensure_profile("ana")
    again = journal.ensure_profile("ana")
    other = journal.ensure_profile("ben")
    assert first == again
    assert first.name == "ana"
    assert other.id != first.id


def test_empty_profile_name_is_refused(journal: Journal) -> None:
    with pytest.raises(StoreError, match="empty"):
        journal.ensure_profile("  ")


def test_new_session_reads_back_with_its_columns(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    got = journal.get_session(session_id)
    assert len(session_id) == 32
    assert got.id == session_id
    assert got.profile_id == profile.id
    assert (got.routine_id, got.routine_name) == ("ninety-ninety-basics", "90/90 basics")
    assert got.options == {"sides": ["right", "left"], "get_ready_seconds": 5}
    assert got.fingerprint == "0123456789abcdef"
    assert (got.total_segments, got.total_seconds) == (10, 600)
    assert got.status == "in_progress"
    assert got.started_at == got.updated_at == T0
    assert got.ended_at is None
    assert got.done_indices == frozenset()
    assert (got.completed_count, got.skipped_count, got.time_spent_seconds) == (0, 0, 0.0)


def test_timestamps_come_back_aware_in_utc(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    local = datetime(2024, 11, 22, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    session_id = start(journal, profile.id, started_at=local)
    journal.finish_session(session_id, "completed", ended_at=local + timedelta(minutes=10))
    got = journal.get_session(session_id)
    assert got.started_at.tzinfo is UTC
    assert got.started_at == local
    assert got.started_at.hour == 8
    assert got.ended_at == local + timedelta(minutes=10)
    assert journal.history(profile.id)[0].started_at.tzinfo is UTC


def test_naive_timestamps_are_refused(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    with pytest.raises(StoreError, match="timezone-aware"):
        start(journal, profile.id, started_at=datetime(2024, 1, 1, 8, 0))


def test_record_and_finish_give_the_figures(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 0, elapsed=30.5)
    record(journal, session_id, 1, "skipped", elapsed=2.25)
    record(journal, session_id, 2, elapsed=31.0)
    journal.finish_session(session_id, "partial", ended_at=T0 + timedelta(minutes=5))
    got = journal.get_session(session_id)
    assert got.status == "partial"
    assert got.ended_at == T0 + timedelta(minutes=5)
    assert got.done_indices == frozenset({0, 1, 2})
    assert (got.completed_count, got.skipped_count) == (2, 1)
    assert got.time_spent_seconds == pytest.approx(63.75)
    [row] = journal.history(profile.id)
    assert (row.status, row.resumable) == ("partial", True)
    assert (row.segments_done, row.segments_completed, row.segments_total) == (3, 2, 10)
    assert row.time_spent_seconds == pytest.approx(63.75)


def test_recording_an_index_again_updates_it(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    record(journal, session_id, 0, "skipped", elapsed=1.0)
    record(journal, session_id, 0, "completed", elapsed=30.0)  # went back, did it properly
    record(journal, session_id, 1, "completed", elapsed=30.0)
    record(journal, session_id, 1, "skipped", elapsed=0.5)  # replayed, then skipped
    got = journal.get_session(session_id)
    assert got.done_indices == frozenset({0, 1})
    assert (got.completed_count, got.skipped_count) == (2, 0)
    # Both runs of a replayed segment were time really spent.
    assert got.time_spent_seconds == pytest.approx(61.5)


def test_record_segment_moves_updated_at(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    later = T0 + timedelta(minutes=3)
    journal.record_segment(session_id, 0, "hold", "er-press", "left", "completed", 30, 29.9, later)
    assert journal.get_session(session_id).updated_at == later


def test_only_the_newest_session_is_on_offer_to_resume(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    assert journal.latest_unfinished(profile.id) is None
    older = start(journal, profile.id, minutes=0)
    journal.finish_session(older, "partial")
    latest = journal.latest_unfinished(profile.id)
    assert latest is not None
    assert latest.id == older
    newest = start(journal, profile.id, minutes=20)
    latest = journal.latest_unfinished(profile.id)
    assert latest is not None
    assert latest.id == newest  # in progress counts as unfinished
    journal.finish_session(newest, "completed")
    # A later completed session supersedes the older partial one.
    assert journal.latest_unfinished(profile.id) is None


def test_history_is_newest_first_with_counts(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    first = start(journal, profile.id, minutes=0)
    second = start(journal, profile.id, minutes=60, routine_id="er-only", routine_name="ER")
    third = start(journal, profile.id, minutes=120)
    for index in range(10):
        record(journal, first, index)
    journal.finish_session(first, "completed")
    record(journal, second, 0, "skipped", elapsed=1.0)
    journal.finish_session(second, "partial")
    rows = journal.history(profile.id)
    assert [r.session_id for r in rows] == [third, second, first]
    assert [(r.status, r.resumable) for r in rows] == [
        ("partial", True),  # in progress is shown as partial; only the newest resumes
        ("partial", False),
        ("completed", False),
    ]
    assert [(r.segments_done, r.segments_completed) for r in rows] == [(0, 0), (1, 0), (10, 10)]
    assert [r.time_spent_seconds for r in rows] == [0.0, 1.0, 300.0]
    assert rows[1].routine_id == "er-only"
    assert rows[1].routine_name == "ER"
    assert rows[2].started_at == T0
    assert [r.session_id for r in journal.history(profile.id, limit=2)] == [third, second]


@pytest.mark.parametrize("sessions", [3, 12])
def test_history_is_one_query_however_many_sessions(
    journal: Journal, sessions: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = journal.ensure_profile("ana")
    for minutes in range(sessions):
        record(journal, start(journal, profile.id, minutes=minutes), 0)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sent = DriverCursor.execute

    def count_driver(self: DriverCursor, statement: DriverStatement, values: Any) -> Any:
        statements.append(statement.sql)
        return sent(self, statement, values)

    monkeypatch.setattr(DriverCursor, "execute", count_driver)
    event.listen(journal.engine, "before_cursor_execute", count)
    try:
        assert len(journal.history(profile.id)) == sessions
    finally:
        event.remove(journal.engine, "before_cursor_execute", count)
    # The figures are kept on the session rows: nothing is grouped per read.
    assert len(statements) == 1, statements


def test_profiles_never_see_each_others_rows(journal: Journal) -> None:
    ana = journal.ensure_profile("ana")
    ben = journal.ensure_profile("ben")
    ana_session = start(journal, ana.id)
    record(journal, ana_session, 0)
    assert journal.history(ben.id) == []
    assert journal.latest_unfinished(ben.id) is None
    ben_session = start(journal, ben.id, minutes=5)
    record(journal, ben_session, 0, "skipped", elapsed=1.0)
    [ana_row] = journal.history(ana.id)
    [ben_row] = journal.history(ben.id)
    assert (ana_row.session_id, ana_row.segments_completed) == (ana_session, 1)
    assert (ben_row.session_id, ben_row.segments_completed) == (ben_session, 0)
    latest = journal.latest_unfinished(ana.id)
    assert latest is not None
    assert latest.id == ana_session


def test_unknown_session_is_a_store_error(journal: Journal) -> None:
    with pytest.raises(StoreError, match="no session"):
        record(journal, "0" * 32, 0)
    with pytest.raises(StoreError, match="no session"):
        journal.finish_session("0" * 32, "completed")
    with pytest.raises(StoreError, match="no session"):
        journal.get_session("0" * 32)


def test_bad_outcome_is_a_store_error(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    with pytest.raises(StoreError, match="outcome 'done'"):
        record(journal, session_id, 0, "done")
    assert journal.get_session(session_id).done_indices == frozenset()


@pytest.mark.parametrize("index", [-1, 10])
def test_segment_index_outside_the_session_is_refused(journal: Journal, index: int) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    with pytest.raises(StoreError, match="outside session"):
        record(journal, session_id, index)


def test_bad_values_are_refused(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session_id = start(journal, profile.id)
    with pytest.raises(StoreError, match="not negative"):
        record(journal, session_id, 0, elapsed=-1.0)
    with pytest.raises(StoreError, match="ends as one of"):
        journal.finish_session(session_id, "in_progress")
    with pytest.raises(StoreError, match="no profile"):
        start(journal, profile.id + 1000)
    with pytest.raises(StoreError, match="JSON"):
        start(journal, profile.id, options={"when": datetime.now(UTC)})
    with pytest.raises(StoreError, match="at least 1"):
        journal.history(profile.id, limit=0)
