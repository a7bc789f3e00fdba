"""The change counters every kept page is checked against, read once for many requests.

Each Today page and each progress request first reads the profile's change
counters (store.DataVersion) to know whether the page the server keeps still
holds. On SQLite that read is a lookup in the server's own process, quicker
than any hand-over, so it is made on the spot. On PostgreSQL it is a round
trip to another process: made through the engine it would stop the event
loop for its duration (or cost a hop to a worker thread and back, more than
the read itself).

So on PostgreSQL the reads go over an asyncio connection of their own
(store.async_versions), and they are shared. A request that needs the
counters joins the next read; one read is in flight at a time and answers
every request that joined before it began (those that came while the loop
got round to it included). Requests that come while it is in flight join
the one after, which begins as soon as it ends. Every request therefore gets
counters read after it arrived, as fresh as a read of its own would be (never
a value from before it), and a busy server makes one read per round trip
instead of one per request.
"""

from __future__ import annotations

import asyncio
import weakref

from hipcoach.domain.errors import StoreError
from hipcoach.services.context import Context
from hipcoach.store import DataVersion
from hipcoach.store.async_versions import AsyncVersionReader

# Per server context; an entry goes when its context does (the reads hold it weakly).
_READS: weakref.WeakKeyDictionary[Context, VersionReads] = weakref.WeakKeyDictionary()


def version_reads(ctx: Context) -> VersionReads:
    """The shared counter reads of the server whose context is `ctx`."""
    reads = _READS.get(ctx)
    if reads is None:
        reads = _READS[ctx] = VersionReads(ctx)
    return reads


async def close_version_reads(ctx: Context) -> None:
    """End the reads of `ctx`'s server, if it made any (its connection closes)."""
    reads = _READS.pop(ctx, None)
    if reads is not None:
        await reads.close()


class VersionReads:
    """Hands out each profile's change counters, read after each request arrived."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = weakref.ref(ctx)
        # From the URL, not the engine: the journal opens on first use (a damaged one
        # then answers requests with its message instead of stopping the server's start).
        self._shared = not ctx.settings.database_in_process
        self._reader: AsyncVersionReader | None = None
        # The requests waiting for the next read, by profile; and the read in flight.
        self._waiting: dict[int, list[asyncio.Future[DataVersion]]] = {}
        self._in_flight: asyncio.Task[None] | None = None

    def _context(self) -> Context:
        ctx = self._ctx()
        if ctx is None:
            raise StoreError("the server that read these counters has stopped")
        return ctx

    async def get(self, profile_id: int) -> DataVersion:
        """The profile's counters, read after this call began."""
        if not self._shared:
            return self._context().journal.data_version(profile_id)
        answer: asyncio.Future[DataVersion] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(profile_id, []).append(answer)
        # (A read cancelled before it began never cleared itself: begin another.)
        if self._in_flight is None or self._in_flight.done():
            self._begin()
        return await answer

    def _begin(self) -> None:
        self._in_flight = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        # Taken as the read begins: every request that came until now is in it.
        batch, self._waiting = self._waiting, {}
        try:
            if self._reader is None:
                self._reader = AsyncVersionReader(self._context().journal.engine)
            found = await self._reader.read(list(batch))
        except BaseException as exc:  # every request of the batch gets the error
            stopping = not isinstance(exc, Exception)  # cancelled: the loop is closing
            error = StoreError("the server stopped before the read ended") if stopping else exc
            for answers in batch.values():
                for answer in answers:
                    if not answer.done():
                        answer.set_exception(error)
            if stopping:
                self._in_flight = None
                raise
        else:
            for profile_id, answers in batch.items():
                version = found[profile_id]
                for answer in answers:
                    if answer.done():
                        continue  # its request went away
                    if version is None:
                        answer.set_exception(StoreError(f"no profile with id {profile_id}"))
                    else:
                        answer.set_result(version)
        self._in_flight = None
        if self._waiting:
            self._begin()

    async def close(self) -> None:
        """Let the reads under way end (each may begin the next), then close the
        connection."""
        while self._in_flight is not None and not self._in_flight.done():
            await asyncio.gather(self._in_flight, return_exceptions=True)
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
