"""FastAPI dependencies as Annotated aliases: routes ask for what they need by type."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import Depends, Request

from hipcoach.services.context import Context
from hipcoach.web.cache import ComputedCache
from hipcoach.web.versions import version_reads

if TYPE_CHECKING:
    from hipcoach.web.writer import SegmentWriter

T = TypeVar("T")


async def get_ctx(request: Request) -> Context:
    """The app's shared context (settings, library, journal, profile).

    A coroutine although it never awaits: FastAPI runs a plain function
    dependency in a worker thread, a hop that costs more than the route itself.
    """
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_ctx)]


def computed(request: Request) -> ComputedCache:
    """The app's cache of computed pages and figures (see web.cache)."""
    cache: ComputedCache = request.app.state.computed
    return cache


def segment_writer(request: Request) -> SegmentWriter:
    """The app's group commit for segment saves (see web.writer)."""
    writer: SegmentWriter = request.app.state.writer
    return writer


async def kept_for_the_day(
    cache: ComputedCache, ctx: Context, key: tuple[Hashable, ...], compute: Callable[[date], T]
) -> T:
    """`compute(today)`, kept while the profile's records and the local date stay the same.

    For what reads the records but not segment progress (see store.DataVersion).
    """
    from hipcoach.services.programs import local_today

    version = await version_reads(ctx).get(ctx.profile_id)
    day = local_today()
    return await cache.get((*key, ctx.profile_id), (version.records, day), lambda: compute(day))
