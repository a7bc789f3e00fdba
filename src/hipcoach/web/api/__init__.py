"""The JSON API under /api/v1: one module per area, each a thin layer over the services."""

from __future__ import annotations

from fastapi import APIRouter

from hipcoach.web.api import data, devices, figures, library, program, progress, sessions

# Their paths never overlap, so the order only sets how soon a request finds its
# route: the player's saves, Today and progress come first.
AREAS = (sessions, progress, program, library, data, figures, devices)
ROUTERS = tuple(area.router for area in AREAS)
router = APIRouter()
for area_router in ROUTERS:
    router.include_router(area_router)

__all__ = ["ROUTERS", "router"]
