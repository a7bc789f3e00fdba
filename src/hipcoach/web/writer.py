"""Segment saves from every open player, committed together: a group commit.

Each save must reach the disk before the player hears it is saved (SQLite
syncs its log on every commit, so a saved segment survives a power cut). One
sync per save would cap how many players one server can follow, and the
waits of a save handed to a thread cost more than the save: each step there
waits its turn with the busy event loop for the interpreter. So saves queue
here while the event loop handles what has arrived, and a drain on the loop
writes everything queued in one transaction with one sync, then answers each
caller. Under load a batch holds every save that came in since the last one;
alone, a save is its own batch.

When another process holds the write lock (a second server process, the
terminal player), the drain tries again a moment later; the loop goes on
serving meanwhile.
"""

from __future__ import annotations

import asyncio

from hipcoach.domain.errors import HipcoachError
from hipcoach.services.context import Context
from hipcoach.services.live import LiveSegment, record_live_segments
from hipcoach.store.driver import WriteLockTakenError
from hipcoach.store.engine import BUSY_TIMEOUT_MS
from hipcoach.store.segments import SegmentBatch

# Between tries for the write lock while another process holds it (a batch holds
# it for a few milliseconds).
LOCK_RETRY_S = 0.001

_Pending = tuple[LiveSegment, "asyncio.Future[tuple[int, int]]"]


class SegmentWriter:
    """Queues segment saves and commits each batch of them at once."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._queue: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0  # committed so far, with `saves` saves in them
        self.saves = 0

    async def save(self, segment: LiveSegment) -> tuple[int, int]:
        """Save `segment` with the next batch: (segments saved, segments in the timeline).

        Returns once it is on disk; raises the HipcoachError that refused it. A
        caller that goes away (a closed connection) leaves its save in the batch.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, int]] = loop.create_future()
        self._queue.append((segment, future))
        if self._drainer is None:
            # Runs once the loop has handled what is ready now, so those saves join.
            self._drainer = loop.create_task(self._drain())
        # Not shielded: a cancelled caller cancels only its future (each answer costs a
        # turn of the loop, and a shield would add one); the save stays queued.
        return await future

    async def _drain(self) -> None:
        """One batch: everything queued by the time the write lock is had."""
        try:
            batch = await self._begin()
        except Exception as failed:  # the lock stayed taken, or the database is gone
            _fail(self._take(), failed)
            return
        finally:
            if self._drainer is asyncio.current_task():  # cancelled: the loop is closing
                self._drainer = None
        self._commit(batch, self._take())

    def _take(self) -> list[_Pending]:
        """Everything queued, for this batch. From here the drain runs to its end
        without a pause, so the next save starts the next drain (a drain left
        unfinished on a loop that stopped would otherwise hold up every save)."""
        pending, self._queue = self._queue, []
        self._drainer = None
        return pending

    async def _begin(self) -> SegmentBatch:
        """The batch's transaction, with the write lock, asked for again after a pause
        while another process holds it (raises WriteLockTakenError after the busy
        timeout). Waiting on a thread instead would hold the lock longer: from the
        moment the thread took it until the busy loop got round to the batch."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return self._ctx.journal.begin_segment_batch(wait=False)
            except WriteLockTakenError:
                if loop.time() > give_up:
                    raise
            await asyncio.sleep(LOCK_RETRY_S)

    def _commit(self, batch: SegmentBatch, pending: list[_Pending]) -> None:
        try:
            results = record_live_segments(self._ctx, [segment for segment, _ in pending], batch)
            batch.commit()
        except Exception as failed:  # the database's: nothing of the batch is saved
            batch.rollback()  # (nothing to do when the commit itself failed)
            _fail(pending, failed)
            return
        self.batches += 1
        self.saves += len(pending)
        for (_, future), result in zip(pending, results, strict=True):
            if future.done():
                continue
            if isinstance(result, HipcoachError):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def close(self) -> None:
        """Finish the saves queued and under way, then stop."""
        if self._drainer is not None:
            await self._drainer


def _fail(pending: list[_Pending], failed: Exception) -> None:
    """Every save of `pending` failed with `failed` (nothing of them is saved)."""
    for _, future in pending:
        if not future.done():  # done: its caller went away
            future.set_exception(failed)
