"""The JSON API under /api/v1: one module per area, each a thin layer over the services."""

from __future__ import annotations

from fastapi import APIRouter

from hipcoach.web.api import data, figures, library, program, progress, sessions

router = APIRouter()
for area in (library, sessions, program, progress, data, figures):
    router.include_router(area.router)

__all__ = ["router"]
