"""The hot statements run on the driver: same rows as SQLAlchemy writes, same errors, batches."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from hipcoach.domain.errors import SessionStateError, StoreError
from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.driver import WriteLockTakenError
from hipcoach.store.records import SegmentFacts, SessionHead
from hipcoach.store.segments import SegmentSave
from tests.store.helpers import T0, record, start

FACTS = SegmentFacts("hold", "90-90-er-stretch", "right", 30)


def save(session_id: str, index: int, *, elapsed: float = 30.0, **kw: object) -> SegmentSave:
    return SegmentSave(
        session_id,
        index,
        kw.pop("describe", lambda head: FACTS),  # type: ignore[arg-type]
        kw.pop("outcome", "completed"),  # type: ignore[arg-type]
        elapsed,
        kw.pop("recorded_at", T0 + timedelta(minutes=1)),  # type: ignore[arg-type]
    )


def test_times_written_by_the_driver_read_back_like_those_sqlalchemy_writes(
    journal: Journal,
) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    # A whole second: SQLite's text form must still carry the microseconds.
    at = datetime(2024, 11, 22, 8, 1, 5, tzinfo=UTC)
    journal.record_segments([save(session, 0, recorded_at=at)])
    record_ = journal.get_session(session)
    assert record_.updated_at == at
    assert record_.started_at == T0
    [row] = journal.history(profile.id)
    assert row.started_at == T0
    assert row.started_at.tzinfo is UTC
    if journal.engine.dialect.name == "sqlite":
        with journal.engine.connect() as db:
            started, updated = db.execute(
                text("SELECT started_at, updated_at FROM sessions WHERE id = :id"), {"id": session}
            ).one()
        assert (started, updated) == ("2024-11-22 08:00:00.000000", "2024-11-22 08:01:05.000000")


def test_a_batch_saves_everything_in_one_commit_and_reports_each(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    first, second = start(journal, profile.id), start(journal, profile.id, minutes=5)
    results = journal.record_segments(
        [save(first, 0), save(second, 0), save(first, 1, elapsed=12.5), save(first, 0)]
    )
    assert results == [1, 1, 2, 2]  # the repeat merges into the row already there
    assert journal.get_session(first).time_spent_seconds == 30.0 + 12.5 + 30.0
    assert journal.get_session(second).done_indices == frozenset({0})


def test_a_refused_save_leaves_the_rest_of_its_batch(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)

    def refuse(head: SessionHead) -> SegmentFacts:
        raise SessionStateError("not this one")

    results = journal.record_segments(
        [
            save(session, 0),
            save(session, 1, describe=refuse),
            save(session, 99),  # outside the session's 10 segments
            save(session, 2, elapsed=float("nan")),
            save("no-such-session", 0),
            save(session, 3),
        ]
    )
    assert results[0] == 1
    assert results[5] == 2
    assert isinstance(results[1], SessionStateError)
    assert isinstance(results[2], StoreError)
    assert "outside session" in str(results[2])
    assert isinstance(results[3], StoreError)
    assert "finite" in str(results[3])
    assert results[4] is None
    assert journal.get_session(session).done_indices == frozenset({0, 3})


def test_a_database_error_rolls_back_the_whole_batch(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    # Past the checks, the database refuses the event (its kind is too long for the
    # column on PostgreSQL; SQLite refuses an unknown outcome by its check constraint).
    bad = SegmentFacts("x" * 200, "90-90-er-stretch", "right", 30)
    batch = [save(session, 0), save(session, 1, describe=lambda head: bad)]
    if journal.engine.dialect.name == "sqlite":
        with journal.engine.begin() as db:
            db.execute(
                text(
                    "CREATE TRIGGER refuse_long_kind BEFORE INSERT ON segment_events "
                    "WHEN length(NEW.kind) > 32 BEGIN SELECT RAISE(ABORT, 'kind too long'); END"
                )
            )
    with pytest.raises(StoreError, match="could not record the segment in the journal"):
        journal.record_segments(batch)
    assert journal.get_session(session).done_indices == frozenset()
    assert journal.data_version(profile.id).segments == 0


def test_a_held_batch_is_visible_only_once_committed(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    batch = journal.begin_segment_batch()
    assert batch.record_segments([save(session, 0), save(session, 1)]) == [1, 2]
    assert journal.get_session(session).done_indices == frozenset()
    batch.commit()
    assert journal.get_session(session).done_indices == frozenset({0, 1})
    rolled = journal.begin_segment_batch()
    rolled.record_segments([save(session, 2)])
    rolled.rollback()
    assert journal.get_session(session).done_indices == frozenset({0, 1})


def test_a_batch_may_begin_and_commit_on_other_threads(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    held = []
    opener = threading.Thread(target=lambda: held.append(journal.begin_segment_batch()))
    opener.start()
    opener.join()
    [batch] = held
    assert batch.record_segments([save(session, 4)]) == [1]
    closer = threading.Thread(target=batch.commit)
    closer.start()
    closer.join()
    assert journal.get_session(session).done_indices == frozenset({4})


@pytest.fixture
def sqlite_journal(tmp_path: Path) -> Iterator[Journal]:
    """SQLite only: PostgreSQL takes no database-wide write lock at BEGIN."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'hipcoach.db'}")
    try:
        migrate(engine)
        yield Journal(engine)
    finally:
        engine.dispose()


def test_not_waiting_for_the_write_lock_says_so_and_leaves_nothing_open(
    sqlite_journal: Journal,
) -> None:
    journal = sqlite_journal
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    first = journal.begin_segment_batch()
    try:
        with pytest.raises(WriteLockTakenError):
            journal.begin_segment_batch(wait=False)
    finally:
        first.rollback()
    # The refused attempt gave its connection back with the usual busy timeout.
    again = journal.begin_segment_batch(wait=False)
    again.record_segments([save(session, 0)])
    again.commit()
    with journal.engine.connect() as db:
        assert db.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000
    assert journal.get_session(session).done_indices == frozenset({0})


def test_one_save_keeps_its_old_errors(journal: Journal) -> None:
    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    with pytest.raises(StoreError, match="unknown segment outcome"):
        record(journal, session, 0, outcome="maybe")
    with pytest.raises(StoreError, match="no session with id 'nope'"):
        record(journal, "nope", 0)
    assert journal.get_session(session).done_indices == frozenset()


def test_a_parameter_used_twice_is_bound_twice(journal: Journal) -> None:
    from sqlalchemy import bindparam, or_, select

    from hipcoach.store.driver import Driver
    from hipcoach.store.tables import SessionRow

    profile = journal.ensure_profile("ana")
    session = start(journal, profile.id)
    either = select(SessionRow.id, SessionRow.started_at).where(
        or_(SessionRow.id == bindparam("key"), SessionRow.routine_id == bindparam("key"))
    )
    driver = Driver(journal.engine)
    with driver.transaction("read the sessions") as db:
        assert db.first(driver.compiled(either), {"key": session}) == (session, T0)
        assert db.all(driver.compiled(either), {"key": "ninety-ninety-basics"}) == [(session, T0)]
        assert db.first(driver.compiled(either), {"key": "nothing"}) is None
