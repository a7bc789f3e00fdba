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
from hipcoach.web.gate import SecurityGate
from hipcoach.web.hot import HotRoutes

HERE = Path(__file__).parent
API_PREFIX = "/api/v1"


class HipcoachApp(FastAPI):
    """FastAPI behind the security gate, with the busiest requests answered in front of it.

    Every request passes `gate` first (web.gate: host, size, origin, form token,
    pairing, security headers). Then `hot_routes` (see web.hot) answers the plain
    Today page, the progress figures and segment saves; everything else, errors
    included, is FastAPI's. None sends every request through FastAPI.
    """

    hot_routes: HotRoutes | None = None
    gate: SecurityGate | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.gate is None:
            raise RuntimeError("create_app() builds the app: it has no security gate")
        await self.gate(scope, receive, send)

    async def behind_gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What the gate lets through: the hot routes, else FastAPI."""
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
    from hipcoach.web.csrf import server_secret
    from hipcoach.web.errors import install_error_handlers
    from hipcoach.web.gate import DeviceCheck, GateConfig
    from hipcoach.web.hosts import AllowedHosts, is_loopback_address
    from hipcoach.web.versions import close_version_reads
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
        await close_version_reads(app.state.ctx)
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
        docs_url=None,  # web.pages_docs renders the document itself: no CDN, no inline script
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
    ctx = app.state.ctx
    pairing = not is_loopback_address(settings.host)
    devices = None
    if pairing:
        from hipcoach.services.devices import device_for_token

        devices = DeviceCheck(lambda token: device_for_token(ctx, token))
    app.state.gate = GateConfig(
        hosts=AllowedHosts.for_bind(settings.host, settings.allowed_hosts),
        secret=server_secret(settings.data_dir),
        pairing_required=pairing,
        devices=devices,
    )
    app.gate = SecurityGate(app.behind_gate, app.state.gate)
    return app
