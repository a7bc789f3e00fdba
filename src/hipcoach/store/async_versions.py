"""The change counters read without a thread: psycopg's asyncio connection (PostgreSQL).

A server answers most pages from what it keeps, after reading the profile's
change counters (store.DataVersion). On PostgreSQL that read is a round trip
to another process; made through the engine it needs a worker thread (or it
stops the event loop for its duration), and the hand-over to a thread and
back costs more than the read. This connection of its own reads on the event
loop itself: the loop goes on serving while the answer travels.

The statement is the journal's own (queries.DATA_VERSION), so the counters
are the ones every other reader sees. The connection is opened on first use
and opened again after any error, a read that took longer than READ_TIMEOUT_S,
or one cut short.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine

from hipcoach.domain.errors import StoreError
from hipcoach.store import queries as q
from hipcoach.store.driver import DriverStatement
from hipcoach.store.engine import CONNECT_TIMEOUT_SECONDS, mask_url
from hipcoach.store.records import DataVersion

# How long a read may take before its connection is given up (a read takes a millisecond).
READ_TIMEOUT_S = 10.0


class AsyncVersionReader:
    """Reads profiles' change counters over one asyncio connection (not thread-safe:
    one event loop's, one read at a time)."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name != "postgresql":
            raise StoreError("the asyncio counter read is for PostgreSQL journals")
        self._url = engine.url
        args, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args = (list(args), {"connect_timeout": CONNECT_TIMEOUT_SECONDS, **params})
        self._statement = DriverStatement.compile(q.DATA_VERSION, engine.dialect)
        self._connection: Any = None
        self._stale = False  # a read was cut short: the connection is not to be trusted

    async def read(self, profile_ids: list[int]) -> dict[int, DataVersion | None]:
        """Each profile's counters (None for a profile that does not exist). Waits at most
        READ_TIMEOUT_S: a connection gone quiet fails its read instead of every page."""
        import psycopg

        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                return await self._read(profile_ids)
        except (psycopg.Error, TimeoutError) as exc:
            await self.close()  # the next read opens a new connection
            what = "no answer in time" if isinstance(exc, TimeoutError) else str(exc)
            raise StoreError(
                f"could not read the data version in the journal at {mask_url(self._url)}: {what}"
            ) from exc
        except BaseException:
            self._stale = True  # cut short mid-read (cancelled): its answer may still come
            raise

    async def _read(self, profile_ids: list[int]) -> dict[int, DataVersion | None]:
        found: dict[int, DataVersion | None] = {}
        connection = await self._connected()
        async with connection.cursor() as cursor:
            for profile_id in profile_ids:
                parameters = self._statement.parameters({"profile_id": profile_id})
                await cursor.execute(self._statement.sql, parameters)
                row = await cursor.fetchone()
                found[profile_id] = None if row is None else DataVersion.from_row(row)
        return found

    async def _connected(self) -> Any:
        if self._stale:
            self._stale = False
            await self.close()
        if self._connection is None or self._connection.closed:
            import psycopg

            args, params = self._connect_args
            self._connection = await psycopg.AsyncConnection.connect(
                *args, **params, autocommit=True
            )
        return self._connection

    async def close(self) -> None:
        """Close the connection (a later read opens one again)."""
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            await connection.close()
