"""web.versions: the change counters, read after each request arrived, shared on PostgreSQL.

A kept page is served only while the counters a read returns match the ones it
was kept under, so a shared read must never hand a request a value read
before the request came: that would serve a page from before a write it may
have seen. These tests hold the sharing to that, and to its errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hipcoach.domain.errors import StoreError
from hipcoach.library.loader import load_library
from hipcoach.services.context import Context
from hipcoach.settings import Settings
from hipcoach.store.async_versions import AsyncVersionReader
from hipcoach.web.versions import VersionReads
from tests.store.helpers import record, start


@pytest.fixture
def pg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Context]:
    url = request.getfixturevalue("postgres_schema_url")
    load_library.cache_clear()
    env = {"HIPCOACH_DATA_DIR": str(tmp_path / "data"), "HIPCOACH_DATABASE_URL": url}
    context = Context(Settings.from_env(env))
    context.profile_id  # noqa: B018  # the profile exists before any read
    yield context
    context.close()
    load_library.cache_clear()


def counting(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Every read the reader makes, with the profiles it reads."""
    reads: list[list[int]] = []
    real = AsyncVersionReader.read

    async def read(self: AsyncVersionReader, profile_ids: list[int]) -> Any:
        reads.append(list(profile_ids))
        return await real(self, profile_ids)

    monkeypatch.setattr(AsyncVersionReader, "read", read)
    return reads


@pytest.mark.postgres
async def test_requests_that_come_together_share_one_read(
    pg: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting(monkeypatch)
    versions = VersionReads(pg)
    found = await asyncio.gather(*(versions.get(pg.profile_id) for _ in range(20)))
    assert found == [pg.journal.data_version(pg.profile_id)] * 20
    assert reads == [[pg.profile_id]]
    await versions.close()


@pytest.mark.postgres
async def test_a_request_during_a_read_waits_for_a_read_begun_after_it(
    pg: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first read has its answer before a segment is saved; a request made after the
    save must not be given that answer, but one from a read that began after it."""
    real = AsyncVersionReader.read
    answered = asyncio.Event()
    may_end = asyncio.Event()
    reads: list[list[int]] = []

    async def slow_first(self: AsyncVersionReader, profile_ids: list[int]) -> Any:
        reads.append(list(profile_ids))
        found = await real(self, profile_ids)
        if len(reads) == 1:
            answered.set()
            await may_end.wait()
        return found

    monkeypatch.setattr(AsyncVersionReader, "read", slow_first)
    versions = VersionReads(pg)
    early = asyncio.ensure_future(versions.get(pg.profile_id))
    await asyncio.wait_for(answered.wait(), 10)
    session_id = start(pg.journal, pg.profile_id)
    record(pg.journal, session_id, 0)
    late = asyncio.ensure_future(versions.get(pg.profile_id))
    await asyncio.sleep(0.05)
    assert not late.done()  # waiting for the next read, not handed the one in flight
    may_end.set()
    before, after = await asyncio.wait_for(asyncio.gather(early, late), 10)
    assert after == pg.journal.data_version(pg.profile_id)
    assert after.records > before.records
    assert after.segments > before.segments
    assert len(reads) == 2
    await versions.close()


@pytest.mark.postgres
async def test_an_unknown_profile_is_an_error_for_its_requests_only(pg: Context) -> None:
    versions = VersionReads(pg)
    known, unknown = await asyncio.gather(
        versions.get(pg.profile_id), versions.get(999_999), return_exceptions=True
    )
    assert known == pg.journal.data_version(pg.profile_id)
    assert isinstance(unknown, StoreError)
    assert "no profile with id 999999" in str(unknown)
    await versions.close()


@pytest.mark.postgres
async def test_a_lost_connection_fails_its_read_and_the_next_read_connects_again(
    pg: Context,
) -> None:
    versions = VersionReads(pg)
    first = await versions.get(pg.profile_id)
    with pg.journal.engine.connect() as conn:  # the server ends the reader's connection
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                "AND query LIKE '%data_version%' AND state = 'idle'"
            )
        ).scalar_one()
    assert ended >= 1
    with pytest.raises(StoreError, match="could not read the data version"):
        await versions.get(pg.profile_id)
    assert await versions.get(pg.profile_id) == first
    await versions.close()


async def test_on_sqlite_the_counters_are_read_on_the_spot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting(monkeypatch)
    context = Context(Settings.from_env({"HIPCOACH_DATA_DIR": str(tmp_path / "data")}))
    try:
        versions = VersionReads(context)
        session_id = start(context.journal, context.profile_id)
        before = await versions.get(context.profile_id)
        record(context.journal, session_id, 0)
        assert (await versions.get(context.profile_id)).segments == before.segments + 1
        assert reads == []  # no connection of its own, no sharing: nothing to wait for
        await versions.close()
    finally:
        context.close()


@pytest.mark.postgres
async def test_a_read_cut_short_fails_its_requests_and_the_next_read_works(
    pg: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read cancelled mid-way (the loop closing) answers its requests with an error,
    none waits for ever, and the next request gets a read of its own."""
    real = AsyncVersionReader.read
    never = asyncio.Event()

    async def stuck_first(self: AsyncVersionReader, profile_ids: list[int]) -> Any:
        if not never.is_set():
            never.set()
            await asyncio.Event().wait()
        return await real(self, profile_ids)

    monkeypatch.setattr(AsyncVersionReader, "read", stuck_first)
    versions = VersionReads(pg)
    waiting = asyncio.ensure_future(versions.get(pg.profile_id))
    while not never.is_set():
        await asyncio.sleep(0.01)
    flight = versions._in_flight
    assert flight is not None
    flight.cancel()
    with pytest.raises(StoreError, match="stopped before the read ended"):
        await asyncio.wait_for(waiting, 10)
    assert await asyncio.wait_for(versions.get(pg.profile_id), 10) == (
        pg.journal.data_version(pg.profile_id)
    )
    await versions.close()
