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

PostgreSQL is another process: every statement of a batch waits on a socket,
and a batch holds the rows of the sessions it saves to until it commits.
There a batch is written on a worker thread (the driver lets go of the
interpreter while it waits), one batch at a time per server process, while
the loop serves pages and gathers the next batch: a second batch in flight
would mostly save to the same few sessions and wait for the first one's row
locks, and under load fewer, larger batches answer sooner (each pays its
round trips and its commit once). A batch the database ended to break
a deadlock is written again at once (see store.segments). Both kinds of retry
are logged as warnings with their count.
"""

from __future__ import annotations

import asyncio
import logging
import time

from hipcoach.domain.errors import HipcoachError
from hipcoach.services.context import Context
from hipcoach.services.live import LiveSegment, record_live_segments
from hipcoach.store.driver import WriteLockTakenError
from hipcoach.store.engine import BUSY_TIMEOUT_MS
from hipcoach.store.segments import WRITE_TRIES, SegmentBatch, is_transient, log_retry

# Between tries for the write lock while another process holds it (a batch holds
# it for a few milliseconds).
LOCK_RETRY_S = 0.001
# Waits for the write lock are ordinary with two server processes on SQLite: they are
# summed up in one warning at most this often, not one line per batch.
LOCK_WAIT_REPORT_S = 10.0
# PostgreSQL batches written at once by one server process (each on a thread and a
# connection of its own); SQLite has one writer at a time, so there it is always one.
# Measured with bench/web_load.py (2 processes, 50 clients, 5 live sessions): 1 in
# flight answered 20-30% more requests a second than 2 (whose batches queued on each
# other's row locks), and 5-15% more than 2 kept to sessions apart.
BATCHES_IN_FLIGHT = 1

logger = logging.getLogger(__name__)

_Pending = tuple[LiveSegment, "asyncio.Future[tuple[int, int]]"]


class SegmentWriter:
    """Queues segment saves and commits each batch of them at once."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._queue: list[_Pending] = []
        self._drainer: asyncio.Task[None] | None = None
        self.batches = 0  # committed so far, with `saves` saves in them
        self.saves = 0
        self.lock_waits = 0  # tries for the write lock that found another process holding it
        self.rewrites = 0  # batches written again after the database ended them
        self._waits_unreported = 0
        self._waits_reported_at: float | None = None
        # SQLite's statements take microseconds in-process, less than the hop to a thread.
        # Read from the URL, not the engine: the journal opens on first use, so a damaged
        # one answers requests with its message instead of stopping the server's start.
        self._threaded = not ctx.settings.database_in_process
        # The batches on their threads: up to BATCHES_IN_FLIGHT.
        self._flying: set[asyncio.Task[None]] = set()

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
            drain = self._drain_threaded() if self._threaded else self._drain()
            self._drainer = loop.create_task(drain)
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

    async def _drain_threaded(self) -> None:
        """One batch on a worker thread, begun once fewer than BATCHES_IN_FLIGHT are
        being written: the saves that arrive meanwhile gather for it. Two batches that
        save to one session take its row lock in turn (in session id order: no deadlock)."""
        try:
            while len(self._flying) >= BATCHES_IN_FLIGHT:
                await asyncio.wait(self._flying, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the loop is closing
            if self._drainer is asyncio.current_task():
                self._drainer = None
            raise
        this = asyncio.current_task()
        assert this is not None
        self._flying.add(this)
        try:
            pending = self._take()
            segments = [segment for segment, _ in pending]

            def write() -> list[tuple[int, int] | HipcoachError]:
                return self._write(self._ctx.journal.begin_segment_batch(), segments)

            try:
                results = await asyncio.to_thread(write)
            except Exception as failed:  # the database's: nothing of the batch is saved
                _fail(pending, failed)
                return
            self._answer(pending, results)
        finally:
            self._flying.discard(this)

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
        waits = 0
        try:
            while True:
                try:
                    return self._ctx.journal.begin_segment_batch(wait=False)
                except WriteLockTakenError:
                    waits += 1
                    if loop.time() > give_up:
                        raise
                await asyncio.sleep(LOCK_RETRY_S)
        finally:
            if waits:
                self._waited(waits)

    def _waited(self, waits: int) -> None:
        """Count `waits` more tries for the write lock; warn of them now and then."""
        self.lock_waits += waits
        self._waits_unreported += waits
        now = time.monotonic()
        last = self._waits_reported_at
        if last is None or now - last >= LOCK_WAIT_REPORT_S:
            since = "" if last is None else f" in the last {now - last:.0f} s"
            logger.warning(
                "segment saves: tried %d more time(s)%s for the write lock another process held",
                self._waits_unreported,
                since,
            )
            self._waits_unreported = 0
            self._waits_reported_at = now

    def _commit(self, batch: SegmentBatch, pending: list[_Pending]) -> None:
        try:
            results = self._write(batch, [segment for segment, _ in pending])
        except Exception as failed:  # the database's: nothing of the batch is saved
            _fail(pending, failed)
            return
        self._answer(pending, results)

    def _write(
        self, batch: SegmentBatch, segments: list[LiveSegment]
    ) -> list[tuple[int, int] | HipcoachError]:
        """Write `segments` in `batch` and commit, or raise with nothing of them saved.
        A batch the database ended (a deadlock broken) is written again in a new one."""
        attempt = 1
        while True:
            try:
                results = record_live_segments(self._ctx, segments, batch)
                batch.commit()
                return results
            except Exception as failed:
                batch.rollback()  # (nothing to do when the commit itself failed)
                if attempt == WRITE_TRIES or not is_transient(failed):
                    raise
                log_retry(len(segments), attempt, failed)
            # Ended by PostgreSQL, where a new transaction waits for no lock at BEGIN; so
            # no pause here: the drain still runs to its end in one go (see _take).
            self.rewrites += 1
            attempt += 1
            batch = self._ctx.journal.begin_segment_batch(wait=False)

    def _answer(
        self, pending: list[_Pending], results: list[tuple[int, int] | HipcoachError]
    ) -> None:
        """Tell each caller of a committed batch what came of its save."""
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
        while self._flying:
            await asyncio.wait(set(self._flying))


def _fail(pending: list[_Pending], failed: Exception) -> None:
    """Every save of `pending` failed with `failed` (nothing of them is saved)."""
    for _, future in pending:
        if not future.done():  # done: its caller went away
            future.set_exception(failed)
