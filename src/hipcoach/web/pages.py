"""Server-rendered pages (Jinja2). Each page's data also has a JSON twin under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from hipcoach.web import pages_forms, pages_main, pages_player

router = APIRouter(include_in_schema=False)
router.include_router(pages_main.router)
router.include_router(pages_forms.router)
router.include_router(pages_player.router)

__all__ = ["router"]
