"""Segment saves with a key count once: a save sent again writes nothing and is answered the same.

The browser's retry after a lost reply once stored a 20 s step as 40 s; these
tests hold the store to one row, the time once and the first answer, on both
databases, alone and inside one batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from hipcoach.domain.errors import SessionStateError
from hipcoach.store import Journal, create_engine_for, migrate
from hipcoach.store.records import SegmentFacts, SessionHead
from hipcoach.store.segments import SaveResult, SegmentSave
from hipcoach.store.tables import SegmentEventRow, SegmentSaveRow, SessionRow
from tests.store.helpers import start

FACTS = SegmentFacts("hold", "90-90-er-stretch", "right", 20)


def _describe(head: SessionHead) -> SegmentFacts:
    return FACTS


def save(session_id: str, index: int, seconds: float, key: str | None) -> SegmentSave:
    return SegmentSave(session_id, index, _describe, "completed", seconds, save_key=key)


def saved(journal: Journal, *saves: SegmentSave) -> list[SaveResult]:
    return journal.record_segments(list(saves))


def figures(journal: Journal, session_id: str) -> tuple[int, float, int]:
    """(events stored, seconds spent, keys kept) for the session."""
    with journal.engine.connect() as conn:
        events = conn.execute(
            select(func.count()).where(SegmentEventRow.session_id == session_id)
        ).scalar_one()
        spent = conn.execute(
            select(SessionRow.seconds_spent).where(SessionRow.id == session_id)
        ).scalar_one()
        keys = conn.execute(
            select(func.count()).where(SegmentSaveRow.session_id == session_id)
        ).scalar_one()
    return int(events), float(spent), int(keys)


def test_a_save_sent_twice_with_its_key_counts_once_and_is_answered_the_same(
    journal: Journal,
) -> None:
    pid = journal.ensure_profile("ana").id
    sid = start(journal, pid)
    assert saved(journal, save(sid, 0, 5.0, "first-step-key")) == [1]
    first = saved(journal, save(sid, 1, 20.0, "step-two-key"))
    version = journal.data_version(pid)
    again = saved(journal, save(sid, 1, 20.0, "step-two-key"))
    assert again == first == [2]
    assert figures(journal, sid) == (2, 25.0, 2)
    assert journal.data_version(pid) == version  # nothing was written: no cache goes stale


def test_the_answer_kept_is_the_first_one_even_after_later_saves(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    assert saved(journal, save(sid, 0, 5.0, "key-of-step-0")) == [1]
    assert saved(journal, save(sid, 1, 5.0, "key-of-step-1")) == [2]
    # Step 0's reply was lost and its retry arrives late: it says what it said then.
    assert saved(journal, save(sid, 0, 5.0, "key-of-step-0")) == [1]
    assert figures(journal, sid) == (2, 10.0, 2)


def test_saves_with_different_keys_both_add_their_time(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    # A step replayed after 'back' really took both stretches: two saves, two keys.
    assert saved(journal, save(sid, 3, 20.0, "played-once")) == [1]
    assert saved(journal, save(sid, 3, 15.0, "played-again")) == [1]
    assert figures(journal, sid) == (1, 35.0, 2)


def test_saves_without_a_key_count_every_time(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    saved(journal, save(sid, 0, 20.0, None))
    saved(journal, save(sid, 0, 20.0, None))
    assert figures(journal, sid) == (1, 40.0, 0)


def test_the_same_key_twice_in_one_batch_counts_once(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    other = start(journal, journal.ensure_profile("ana").id, minutes=1)
    answers = saved(
        journal,
        save(sid, 0, 20.0, "in-one-batch"),
        save(other, 0, 4.0, "in-one-batch"),  # keys are per session: this one is its own
        save(sid, 0, 20.0, "in-one-batch"),
    )
    assert answers == [1, 1, 1]
    assert figures(journal, sid) == (1, 20.0, 1)
    assert figures(journal, other) == (1, 4.0, 1)


def test_a_batch_mixing_resent_and_new_keys_for_one_session_counts_each_once(
    journal: Journal,
) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    for index in range(3):
        saved(journal, save(sid, index, 10.0, f"kept-{index}"))
    for index in range(3, 40):  # many keys kept: a batch looks up only its own
        saved(journal, save(sid, index % 10, 1.0, f"other-{index}"))
    before = figures(journal, sid)
    answers = saved(
        journal,
        save(sid, 1, 10.0, "kept-1"),
        save(sid, 4, 2.0, "new-4"),
        save(sid, 0, 10.0, "kept-0"),
        save(sid, 4, 2.0, "new-4"),
        save(sid, 2, 10.0, "kept-2"),
    )
    assert answers == [2, 10, 1, 10, 3]
    assert figures(journal, sid) == (before[0], before[1] + 2.0, before[2] + 1)


def test_a_key_sent_for_another_step_is_refused_and_writes_nothing(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    saved(journal, save(sid, 0, 20.0, "used-for-step-0"))
    [refused] = saved(journal, save(sid, 1, 20.0, "used-for-step-0"))
    assert isinstance(refused, SessionStateError)
    assert "already used for step 0" in str(refused)
    assert figures(journal, sid) == (1, 20.0, 1)


def test_a_batch_answers_in_the_callers_order_whatever_order_it_writes_in(
    journal: Journal,
) -> None:
    pid = journal.ensure_profile("ana").id
    # Ids chosen so the batch's write order (by session id) differs from the caller's.
    late, early = start(journal, pid), start(journal, pid, minutes=1)
    if late < early:
        late, early = early, late
    answers = saved(
        journal,
        save(late, 0, 1.0, "late-0"),
        save(early, 0, 1.0, "early-0"),
        save(late, 1, 1.0, "late-1"),
        save(late, 1, 1.0, "late-1"),
        save("no-such-session", 0, 1.0, "none-0"),
        save(early, 1, 1.0, "early-1"),
    )
    assert answers == [1, 1, 2, 2, None, 2]


def test_a_deleted_session_takes_its_keys_with_it(journal: Journal) -> None:
    sid = start(journal, journal.ensure_profile("ana").id)
    saved(journal, save(sid, 0, 20.0, "gone-with-it"))
    with journal.engine.begin() as conn:
        conn.execute(delete(SessionRow).where(SessionRow.id == sid))
    with journal.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SegmentSaveRow)).scalar() == 0


@pytest.fixture(scope="module")
def sqlite_journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    """One journal for every example (each starts a session of its own)."""
    path: Path = tmp_path_factory.mktemp("idempotent") / "hipcoach.db"
    engine = create_engine_for(f"sqlite:///{path}")
    try:
        migrate(engine)
        yield Journal(engine)
    finally:
        engine.dispose()


# A save sent 1-3 times in a row (its retries), over a few steps, some steps played twice.
SENDS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(1, 60), st.integers(1, 3)), min_size=1, max_size=12
)


@settings(max_examples=40, deadline=None)
@given(sends=SENDS)
def test_time_spent_is_each_saves_time_once_however_often_it_is_sent(
    sqlite_journal: Journal, sends: list[tuple[int, int, int]]
) -> None:
    journal = sqlite_journal
    sid = start(journal, journal.ensure_profile("ana").id)
    expected_answers = []
    done: set[int] = set()
    for number, (index, seconds, copies) in enumerate(sends):
        done.add(index)
        expected_answers.append([len(done)] * copies)
        answers = [
            saved(journal, save(sid, index, seconds, f"save-{number:04d}")) for _ in range(copies)
        ]
        assert [a for [a] in answers] == expected_answers[-1]
    assert figures(journal, sid) == (len(done), float(sum(s for _, s, _ in sends)), len(sends))
