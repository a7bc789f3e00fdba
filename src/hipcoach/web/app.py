"""The application factory: settings in, a ready FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hipcoach.settings import Settings

HERE = Path(__file__).parent
API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A FastAPI app on the store that `settings` names (the environment's by default)."""
    from hipcoach import __version__
    from hipcoach.services.context import Context
    from hipcoach.web import api, pages
    from hipcoach.web.errors import install_error_handlers

    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.ctx.close()

    app = FastAPI(
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
    install_error_handlers(app)
    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
