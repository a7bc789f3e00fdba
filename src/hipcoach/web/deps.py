"""FastAPI dependencies as Annotated aliases: routes ask for what they need by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hipcoach.services.context import Context


def get_ctx(request: Request) -> Context:
    """The app's shared context (settings, library, journal, profile)."""
    ctx: Context = request.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(get_ctx)]
