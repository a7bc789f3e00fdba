"""web.writer: saves that arrive together are committed together, each answered on its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipcoach.domain.compiler import CompileOptions
from hipcoach.domain.errors import SessionStateError, StoreError
from hipcoach.library.loader import load_library
from hipcoach.services.context import Context
from hipcoach.services.live import LiveSegment, UnknownSessionError, start_live
from hipcoach.services.programs import local_today
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings
from hipcoach.store.driver import WriteLockTakenError
from hipcoach.store.segments import SegmentBatch
from hipcoach.web import writer as writer_module
from hipcoach.web.writer import SegmentWriter


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[Context]:
    yield from screened({"HIPCOACH_DATA_DIR": str(tmp_path / "data")})


def screened(env: dict[str, str]) -> Iterator[Context]:
    """A context on the settings `env` gives, its readiness screen taken (all clear)."""
    load_library.cache_clear()
    context = Context(Settings.from_env(env))
    take_screen(context, {q.id: False for q in screening_form(context).questions if not q.follows})
    yield context
    context.close()
    load_library.cache_clear()


def begin(ctx: Context) -> tuple[str, int]:
    live = start_live(ctx, local_today(), "morning-pry", CompileOptions(), None, None)
    return live.session_id, len(live.timeline.segments)


def done(ctx: Context, session_id: str) -> frozenset[int]:
    return ctx.journal.get_session(session_id).done_indices


async def test_saves_that_arrive_together_share_one_commit(ctx: Context) -> None:
    sid, total = begin(ctx)
    other, _ = begin(ctx)
    writer = SegmentWriter(ctx)
    saves = [LiveSegment(sid, index, "completed", 2.0) for index in range(6)]
    saves.append(LiveSegment(other, 0, "skipped", 0.5))
    answers = await asyncio.gather(*(writer.save(segment) for segment in saves))
    assert answers == [(n, total) for n in range(1, 7)] + [(1, total)]
    assert (writer.batches, writer.saves) == (1, 7)
    assert done(ctx, sid) == frozenset(range(6))
    # Alone, a save is its own batch.
    assert await writer.save(LiveSegment(sid, 6, "completed", 1.0)) == (7, total)
    assert (writer.batches, writer.saves) == (2, 8)
    await writer.close()


async def test_a_caller_hears_of_its_save_only_once_it_is_committed(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, _ = begin(ctx)
    writer = SegmentWriter(ctx)
    committed: list[int] = []
    commit = SegmentBatch.commit

    def counted(batch: SegmentBatch) -> None:
        commit(batch)
        committed.append(1)

    monkeypatch.setattr(SegmentBatch, "commit", counted)

    async def save(index: int) -> int:
        await writer.save(LiveSegment(sid, index, "completed", 1.0))
        return len(committed)

    assert await asyncio.gather(save(0), save(1)) == [1, 1]
    assert await save(2) == 2


async def test_a_refused_save_fails_only_its_own_caller(ctx: Context) -> None:
    sid, total = begin(ctx)
    writer = SegmentWriter(ctx)
    answers = await asyncio.gather(
        writer.save(LiveSegment(sid, 0, "completed", 1.0)),
        writer.save(LiveSegment(sid, total, "completed", 1.0)),
        writer.save(LiveSegment("no-such-session", 0, "completed", 1.0)),
        writer.save(LiveSegment(sid, 1, "completed", 1.0)),
        return_exceptions=True,
    )
    assert answers[0] == (1, total)
    assert answers[3] == (2, total)
    assert isinstance(answers[1], SessionStateError)
    assert "not part of this session" in str(answers[1])
    assert isinstance(answers[2], UnknownSessionError)
    assert writer.batches == 1
    assert done(ctx, sid) == frozenset({0, 1})


async def test_a_caller_that_goes_away_leaves_its_save_in_the_batch(ctx: Context) -> None:
    sid, _ = begin(ctx)
    writer = SegmentWriter(ctx)
    leaving = asyncio.ensure_future(writer.save(LiveSegment(sid, 3, "completed", 1.0)))
    staying = asyncio.ensure_future(writer.save(LiveSegment(sid, 4, "completed", 1.0)))
    await asyncio.sleep(0)  # both are queued
    leaving.cancel()
    assert (await staying)[0] == 2
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert done(ctx, sid) == frozenset({3, 4})


async def test_the_batch_waits_its_turn_while_another_process_writes(ctx: Context) -> None:
    sid, total = begin(ctx)
    writer = SegmentWriter(ctx)
    elsewhere = ctx.journal.begin_segment_batch()  # holds SQLite's write lock
    saving = asyncio.ensure_future(writer.save(LiveSegment(sid, 0, "completed", 1.0)))
    await asyncio.sleep(0.05)
    assert not saving.done()  # still trying for the lock, and the loop is free meanwhile
    elsewhere.rollback()
    assert await asyncio.wait_for(saving, 5) == (1, total)


async def test_a_lock_held_past_the_busy_timeout_fails_the_batch(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, _ = begin(ctx)
    monkeypatch.setattr(writer_module, "BUSY_TIMEOUT_MS", 30)
    writer = SegmentWriter(ctx)
    elsewhere = ctx.journal.begin_segment_batch()
    try:
        with pytest.raises(WriteLockTakenError):
            await writer.save(LiveSegment(sid, 0, "completed", 1.0))
    finally:
        elsewhere.rollback()
    assert done(ctx, sid) == frozenset()
    # The writer is still there for the next save.
    assert (await writer.save(LiveSegment(sid, 0, "completed", 1.0)))[0] == 1


async def test_a_database_error_fails_every_save_of_the_batch(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid, _ = begin(ctx)
    writer = SegmentWriter(ctx)

    def broken(*args: object) -> None:
        raise StoreError("could not record the segment in the journal: disk I/O error")

    monkeypatch.setattr(writer_module, "record_live_segments", broken)
    answers = await asyncio.gather(
        *(writer.save(LiveSegment(sid, n, "completed", 1.0)) for n in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(answer, StoreError) for answer in answers)
    monkeypatch.undo()
    assert done(ctx, sid) == frozenset()
    assert (await writer.save(LiveSegment(sid, 0, "completed", 1.0)))[0] == 1


def test_the_writer_serves_a_new_loop_after_the_last_one_stopped(ctx: Context) -> None:
    sid, total = begin(ctx)
    writer = SegmentWriter(ctx)
    for index in range(2):  # a test client's loop, say, stopped as soon as it was answered
        loop = asyncio.new_event_loop()
        try:
            saved = loop.run_until_complete(writer.save(LiveSegment(sid, index, "completed", 1)))
        finally:
            loop.close()
        assert saved == (index + 1, total)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    """A screened context on SQLite or on a PostgreSQL schema of the test's own."""
    env = {"HIPCOACH_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        env["HIPCOACH_DATABASE_URL"] = request.getfixturevalue("postgres_schema_url")
    yield from screened(env)


@pytest.fixture
def pg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    """A screened context on a PostgreSQL schema of the test's own."""
    url = request.getfixturevalue("postgres_schema_url")
    yield from screened({"HIPCOACH_DATA_DIR": str(tmp_path / "data"), "HIPCOACH_DATABASE_URL": url})


async def test_one_batch_over_many_sessions_answers_each_caller_on_either_database(
    any_ctx: Context,
) -> None:
    sessions = [begin(any_ctx) for _ in range(4)]
    writer = SegmentWriter(any_ctx)
    # Interleaved across sessions: the batch writes them in session order, answers in this.
    saves = [LiveSegment(sid, index, "completed", 2.0) for index in range(3) for sid, _ in sessions]
    answers = await asyncio.gather(*(writer.save(segment) for segment in saves))
    assert answers == [(index + 1, total) for index in range(3) for _, total in sessions]
    assert (writer.batches, writer.saves) == (1, 12)
    for sid, _ in sessions:
        assert done(any_ctx, sid) == frozenset(range(3))
    await writer.close()


async def test_a_save_sent_again_before_its_batch_ran_counts_once(any_ctx: Context) -> None:
    sid, total = begin(any_ctx)
    writer = SegmentWriter(any_ctx)
    first = LiveSegment(sid, 0, "completed", 20.0, save_key="lost-reply-0")
    # The client gave up waiting and sent it again: both land in one batch.
    answers = await asyncio.gather(writer.save(first), writer.save(first))
    assert answers == [(1, total), (1, total)]
    assert await writer.save(first) == (1, total)  # and once more, in a batch of its own
    assert any_ctx.journal.get_session(sid).time_spent_seconds == 20.0
    await writer.close()


async def test_a_batch_the_database_ends_is_written_again_with_a_warning(
    ctx: Context, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sid, total = begin(ctx)
    writer = SegmentWriter(ctx)
    real = writer_module.record_live_segments
    tries: list[int] = []

    class DeadlockDetectedError(Exception):
        sqlstate = "40P01"  # PostgreSQL's code for a transaction ended to break a deadlock

    def deadlocked_once(*args: Any) -> Any:
        tries.append(1)
        answers = real(*args)  # written, then the whole transaction is ended: rolled back
        if len(tries) == 1:
            raise StoreError("could not record the segment: deadlock detected") from (
                DeadlockDetectedError()
            )
        return answers

    monkeypatch.setattr(writer_module, "record_live_segments", deadlocked_once)
    with caplog.at_level("WARNING", logger="hipcoach.store.segments"):
        answers = await asyncio.gather(
            *(writer.save(LiveSegment(sid, n, "completed", 1.0)) for n in range(2))
        )
    assert answers == [(1, total), (2, total)]
    assert (len(tries), writer.rewrites, writer.batches) == (2, 1, 1)
    assert ctx.journal.get_session(sid).time_spent_seconds == 2.0  # the ended try left nothing
    [warning] = [r for r in caplog.records if r.name == "hipcoach.store.segments"]
    assert "batch of 2 save(s) (40P01)" in warning.getMessage()


async def test_waits_for_another_process_write_lock_are_logged_with_their_count(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    sid, total = begin(ctx)
    writer = SegmentWriter(ctx)
    elsewhere = ctx.journal.begin_segment_batch()  # holds SQLite's write lock
    with caplog.at_level("WARNING", logger="hipcoach.web.writer"):
        saving = asyncio.ensure_future(writer.save(LiveSegment(sid, 0, "completed", 1.0)))
        await asyncio.sleep(0.05)
        elsewhere.rollback()
        assert await asyncio.wait_for(saving, 5) == (1, total)
    assert writer.lock_waits > 0
    [warning] = caplog.records
    assert f"tried {writer.lock_waits} more time(s) for the write lock" in warning.getMessage()


@pytest.mark.postgres
async def test_saves_that_come_while_a_batch_is_written_gather_for_the_next(
    pg: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a server process writes one batch at a time: what arrives while it is
    on its thread (to its sessions or to others) waits and goes in the next one, together."""
    (busy, total), (other, _) = begin(pg), begin(pg)
    writer = SegmentWriter(pg)
    real = writer_module.record_live_segments
    batches: list[list[tuple[str, int]]] = []
    first_may_end = threading.Event()

    def recording(ctx: Context, segments: list[LiveSegment], batch: Any) -> Any:
        batches.append([(s.session_id, s.index) for s in segments])
        if len(batches) == 1:
            assert first_may_end.wait(10)  # held open on its thread
        return real(ctx, segments, batch)

    monkeypatch.setattr(writer_module, "record_live_segments", recording)
    first = asyncio.ensure_future(writer.save(LiveSegment(busy, 0, "completed", 1.0)))
    while not batches and not first.done():
        await asyncio.sleep(0.01)
    assert not first.done()
    later = [
        asyncio.ensure_future(writer.save(LiveSegment(busy, 1, "completed", 1.0))),
        asyncio.ensure_future(writer.save(LiveSegment(other, 0, "completed", 1.0))),
    ]
    await asyncio.sleep(0.2)
    assert batches == [[(busy, 0)]]  # nothing else begun meanwhile
    assert not any(save.done() for save in later)
    first_may_end.set()
    assert await asyncio.wait_for(first, 10) == (1, total)
    assert await asyncio.wait_for(asyncio.gather(*later), 10) == [(2, total), (1, total)]
    assert batches[1:] == [[(busy, 1), (other, 0)]]
    assert writer.batches == 2
    await writer.close()
