"""Batches of segment saves from several writers at once: no deadlock, no queue on one row.

`hipcoach serve --workers 2` on PostgreSQL runs two group commits side by side.
When every save bumped one counter row per profile, two batches locked their
sessions and that row in different orders and PostgreSQL broke the deadlocks
by failing a batch (a 503 for every player in it). Now a save touches only its
session's rows, a batch takes sessions in id order, and the profile's counter
is a sum over sessions (migration 0007).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from hipcoach.domain.errors import StoreError
from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.checkins import CheckinRepository
from hipcoach.store.records import SegmentFacts, SessionHead
from hipcoach.store.segments import SaveResult, SegmentBatch, SegmentSave, is_transient
from tests.store.helpers import T0, start

SESSIONS = 6
WRITERS = 4
BATCHES = 25  # per writer
FACTS = SegmentFacts("hold", "90-90-er-stretch", "right", 20)


def _slow_describe(head: SessionHead) -> SegmentFacts:
    # A moment inside the transaction, with the session locked: it widens the window in
    # which another writer's batch runs beside this one, as the web server's do.
    time.sleep(0.0005)
    return FACTS


def _deadlocks(journal: Journal) -> int | None:
    """PostgreSQL's own count of deadlocks in this database (None on SQLite)."""
    if journal.engine.dialect.name != "postgresql":
        return None
    with journal.engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        found = conn.execute(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()
    return int(found)


def test_writers_saving_to_the_same_sessions_in_any_order_never_fail(journal: Journal) -> None:
    pid = journal.ensure_profile("ana").id
    sessions = [start(journal, pid, minutes=n) for n in range(SESSIONS)]
    deadlocks_before = _deadlocks(journal)
    failures: list[BaseException] = []

    def writer(number: int) -> list[list[SaveResult]]:
        rng = random.Random(number)  # seeded: each writer its own order, every run the same
        answers = []
        for batch_number in range(BATCHES):
            order = rng.sample(sessions, len(sessions))
            saves = [
                # Every writer sends the same key for a session's step in a batch of the same
                # number, as two servers would see one retried save: it must count once.
                SegmentSave(
                    sid,
                    batch_number % 10,
                    _slow_describe,
                    "completed",
                    1.0,
                    T0,
                    save_key=f"batch-{batch_number:03d}",
                )
                for sid in order
            ]
            batch = journal.begin_segment_batch()
            try:
                answers.append(batch.record_segments(saves))
                batch.commit()
            except BaseException as failed:
                batch.rollback()
                failures.append(failed)
        return answers

    with ThreadPoolExecutor(WRITERS) as pool:
        every = [answer for result in pool.map(writer, range(WRITERS)) for answer in result]
    assert failures == []
    assert all(isinstance(saved, int) for answers in every for saved in answers)
    for sid in sessions:
        record = journal.get_session(sid)
        assert record.time_spent_seconds == BATCHES * 1.0  # each key's second once
        assert record.done_indices == frozenset(range(min(BATCHES, 10)))
    if deadlocks_before is not None:
        assert _deadlocks(journal) == deadlocks_before


@pytest.fixture
def pg_journal(postgres_schema_url: str) -> Iterator[Journal]:
    engine = create_engine_for(postgres_schema_url)
    try:
        migrate(engine)
        yield Journal(engine)
    finally:
        engine.dispose()


def _save(sid: str, index: int = 0) -> SegmentSave:
    return SegmentSave(sid, index, lambda head: FACTS, "completed", 1.0, T0)


def _finishes(action: Callable[[], object]) -> bool:
    """Whether `action()` finishes in another thread while this one holds its locks.

    Not a speed check: a write that queued behind the open batch would wait for its
    commit, which comes only after this answer, so it would never finish in time.
    """
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as failed:
            errors.append(failed)
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    finished = done.wait(timeout=10)
    assert errors == []
    return finished


@pytest.mark.postgres
def test_batches_on_different_sessions_of_one_profile_do_not_wait_for_each_other(
    pg_journal: Journal,
) -> None:
    pid = pg_journal.ensure_profile("ana").id
    first, second = start(pg_journal, pid), start(pg_journal, pid, minutes=1)
    held = pg_journal.begin_segment_batch()
    try:
        assert held.record_segments([_save(first)]) == [1]
        other = pg_journal.begin_segment_batch()
        try:
            # With the counter on the profile row this waited for `held` to commit.
            assert _finishes(lambda: other.record_segments([_save(second)]))
            other.commit()
        finally:
            other.rollback()
        held.commit()
    finally:
        held.rollback()
    assert pg_journal.data_version(pid).segments == 2


@pytest.mark.postgres
def test_record_writes_go_ahead_beside_an_open_batch(pg_journal: Journal) -> None:
    """data_version stays on the profile row: a record write updates it (NO KEY UPDATE)
    while an open batch holds only KEY SHARE there (its events' foreign key), and inserts
    that refer to a locked session take KEY SHARE on it, which its lock allows."""
    pid = pg_journal.ensure_profile("ana").id
    saving, other = start(pg_journal, pid), start(pg_journal, pid, minutes=1)
    checkins = CheckinRepository(pg_journal.engine)
    held = pg_journal.begin_segment_batch()
    try:
        assert held.record_segments([_save(saving)]) == [1]
        assert _finishes(lambda: pg_journal.finish_session(other, "partial", T0))
        assert _finishes(
            lambda: checkins.add_checkin(pid, "before", session_id=saving, pain=2, recorded_at=T0)
        )
        held.commit()
    finally:
        held.rollback()
    version = pg_journal.data_version(pid)
    assert version.segments == 1
    assert version.records >= 4  # two sessions started, one finished, one check-in


def test_a_deadlock_is_told_apart_from_other_database_errors() -> None:
    class DeadlockError(Exception):
        sqlstate = "40P01"

    class UniqueViolationError(Exception):
        sqlstate = "23505"

    def wrapped(cause: Exception) -> StoreError:
        try:
            raise StoreError("could not record the segment") from cause
        except StoreError as error:
            return error

    assert is_transient(wrapped(DeadlockError()))
    assert not is_transient(wrapped(UniqueViolationError()))
    assert not is_transient(StoreError("no cause"))


def test_a_batch_the_database_ends_is_written_again_and_logged(
    journal: Journal, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """write_segments (the terminal player's path) tries again after a deadlock."""
    import hipcoach.store.segments as segments

    sid = start(journal, journal.ensure_profile("ana").id)

    class DeadlockError(Exception):
        sqlstate = "40P01"

    real = segments._Writer.write_all
    calls = []

    def once_deadlocked(self: segments._Writer, saves: list[SegmentSave]) -> list[SaveResult]:
        calls.append(1)
        if len(calls) == 1:
            real(self, saves)  # written, then ended by the database: rolled back
            raise StoreError("could not record the segment: deadlock detected") from DeadlockError()
        return real(self, saves)

    monkeypatch.setattr(segments._Writer, "write_all", once_deadlocked)
    with caplog.at_level("WARNING", logger="hipcoach.store.segments"):
        assert journal.record_segments([_save(sid, 3)]) == [1]
    assert len(calls) == 2
    assert journal.get_session(sid).time_spent_seconds == 1.0  # the first try left nothing
    [warning] = caplog.records
    assert "40P01" in warning.getMessage()
    assert "try 2 of 3" in warning.getMessage()


def test_a_batch_held_open_is_one_transaction(journal: Journal) -> None:
    """SegmentBatch as the web writer uses it: nothing is seen before its commit."""
    pid = journal.ensure_profile("ana").id
    sid = start(journal, pid)
    batch: SegmentBatch = journal.begin_segment_batch()
    try:
        assert batch.record_segments([_save(sid, 0), _save(sid, 1)]) == [1, 2]
        assert journal.get_session(sid).done_indices == frozenset()  # another connection
        batch.commit()
    finally:
        batch.rollback()
    assert journal.get_session(sid).done_indices == frozenset({0, 1})
