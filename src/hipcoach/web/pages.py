"""Server-rendered pages (Jinja2). Each page's data also has a JSON twin under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from hipcoach.web import pages_docs, pages_forms, pages_main, pages_pair, pages_player

ROUTERS = (
    pages_main.router,
    pages_player.router,
    pages_forms.router,
    pages_pair.router,
    pages_docs.router,
)
router = APIRouter(include_in_schema=False)
for page_router in ROUTERS:
    router.include_router(page_router)

__all__ = ["ROUTERS", "router"]
