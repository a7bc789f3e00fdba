"""What the server has already worked out, kept while the journal says it still holds.

The Today page and the progress figures read a year of sessions, check-ins and
measurements and run the rules over them: tens of milliseconds of work whose
answer changes only when the person's records do. The database keeps two change
counters per profile (store.DataVersion), so each request reads them in one
indexed query (web.versions: on PostgreSQL one read shared by the requests that
came before it began) and gets the stored answer back while they match; a write
from any process (the terminal player, `hipcoach measure`, an import) moves them.
Both only ever go up (the segment counter is a base plus per-session counters
since migrations 0007 and 0008), so a value kept under an older pair is never
taken for current.

A value is stamped with everything it depends on besides the records (the local
date, the query), so it is recomputed exactly when the uncached code would give
a different answer. Concurrent requests for a missing value share one
computation. Everything here runs on the event loop's thread; only the
computations run in worker threads.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")

# Today (a few check-in variants), its live part, progress as JSON and as a page.
DEFAULT_SIZE = 64


@dataclass
class _Entry(Generic[T]):
    stamp: Hashable
    value: T


class ComputedCache:
    """A small LRU of computed values, each valid for one stamp; one computation per miss."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, _Entry[Any]] = OrderedDict()
        self._pending: dict[Hashable, tuple[Hashable, asyncio.Future[Any]]] = {}
        self.hits = 0
        self.misses = 0

    async def get(
        self, key: Hashable, stamp: Hashable, compute: Callable[[], T], *, inline: bool = False
    ) -> T:
        """The value for `key` computed under `stamp`, computing it if there is none.

        `compute` runs in a worker thread, or on the loop when `inline` (for work
        shorter than the hop to a thread, which no other request can overlap).
        Its errors reach every waiting caller and nothing is kept. A caller that
        goes away (a closed connection) leaves the computation to the others.
        """
        entry = self._items.get(key)
        if entry is not None and entry.stamp == stamp:
            self._items.move_to_end(key)
            self.hits += 1
            value: T = entry.value
            return value
        if inline:
            self.misses += 1
            value = compute()
            self._keep(key, stamp, value)
            return value
        pending = self._pending.get(key)
        if pending is not None and pending[0] == stamp:
            self.hits += 1
        else:
            self.misses += 1
            task = asyncio.ensure_future(self._compute(key, stamp, compute))
            # Read here, so an error nobody is left waiting for is not logged as lost.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
            pending = (stamp, task)
            self._pending[key] = pending
        shared: T = await asyncio.shield(pending[1])
        return shared

    async def _compute(self, key: Hashable, stamp: Hashable, compute: Callable[[], T]) -> T:
        try:
            value = await run_in_threadpool(compute)
        finally:
            if self._pending.get(key, (None, None))[0] == stamp:
                del self._pending[key]
        self._keep(key, stamp, value)
        return value

    def _keep(self, key: Hashable, stamp: Hashable, value: Any) -> None:
        self._items[key] = _Entry(stamp, value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every value (the next request for each computes it again)."""
        self._items.clear()


# How a route answering kept JSON bytes documents its 200 in the OpenAPI schema.
OBJECT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}}
}


def json_body(data: Any) -> bytes:
    """`data` encoded exactly as FastAPI would answer it, to be kept and sent as is."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.responses import JSONResponse

    return bytes(JSONResponse(jsonable_encoder(data)).body)


@dataclass(frozen=True)
class PageWithHoles:
    """A rendered page with placeholders where the parts that change by the second go."""

    parts: tuple[str, ...]
    holes: tuple[str, ...]

    @classmethod
    def split(cls, html: str, markers: dict[str, str]) -> PageWithHoles:
        """Cut `html` at each marker (name -> the unique text rendered in its place)."""
        for name, marker in markers.items():
            found = html.count(marker)
            if found != 1:
                raise ValueError(f"the marker for '{name}' must appear once; found {found}")
        parts: list[str] = []
        holes: list[str] = []
        rest = html
        for name, marker in sorted(markers.items(), key=lambda item: html.index(item[1])):
            before, _, rest = rest.partition(marker)
            parts.append(before)
            holes.append(name)
        parts.append(rest)
        return cls(tuple(parts), tuple(holes))

    def fill(self, fragments: dict[str, str]) -> str:
        """The whole page with each hole filled by its fragment."""
        pieces = [self.parts[0]]
        for name, part in zip(self.holes, self.parts[1:], strict=True):
            pieces += (fragments[name], part)
        return "".join(pieces)
