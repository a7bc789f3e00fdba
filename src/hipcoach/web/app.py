"""The application factory: settings in, a ready FastAPI app out."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from hipcoach.settings import Settings
from hipcoach.web.hot import HotRoutes

HERE = Path(__file__).parent
API_PREFIX = "/api/v1"


class HipcoachApp(FastAPI):
    """FastAPI, with the requests a busy server gets most answered in front of it.

    `hot_routes` (see web.hot) answers the plain Today page, the progress
    figures and segment saves; everything else, errors included, is FastAPI's.
    None sends every request through FastAPI.
    """

    hot_routes: HotRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.hot_routes
        if hot is not None and scope["type"] == "http":
            passed = await hot.answer(scope, receive, send)
            if passed is None:
                return
            receive = passed
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> HipcoachApp:
    """A FastAPI app on the store that `settings` names (the environment's by default)."""
    from hipcoach import __version__
    from hipcoach.services.context import Context
    from hipcoach.web import api, pages
    from hipcoach.web.cache import ComputedCache
    from hipcoach.web.errors import install_error_handlers
    from hipcoach.web.writer import SegmentWriter

    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything built so far lives as long as the server: moved out of the
        # collector's sight, a full collection no longer walks it (tens of ms).
        gc.collect()
        gc.freeze()
        yield
        await app.state.writer.close()
        gc.unfreeze()
        app.state.ctx.close()

    app = HipcoachApp(
        title="hipcoach",
        version=__version__,
        description=(
            "The hipcoach API: the same use cases as the command line, as JSON. "
            "hipcoach is a coaching aid, not medical care."
        ),
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    # One context for the app's life: the engine and the library are shared, thread-safe.
    app.state.ctx = Context(settings)
    app.state.computed = ComputedCache()
    app.state.writer = SegmentWriter(app.state.ctx)
    install_error_handlers(app)
    # Each area's router straight onto the app: every level of nesting is matched
    # again on each request, a third of the time a kept page takes to serve.
    for area_router in api.ROUTERS:
        app.include_router(area_router, prefix=API_PREFIX)
    for page_router in pages.ROUTERS:
        app.include_router(page_router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.hot_routes = HotRoutes(app.state)
    return app
