"""The Jinja2 environment shared by every page (templates ship inside the package)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hipcoach.safety import SAFETY_NOTE
from hipcoach.web.app import HERE

NAV = (
    ("today", "/", "Today"),
    ("player", "/player", "Player"),
    ("library", "/library", "Library"),
    ("plan", "/plan", "Plan"),
    ("progress", "/progress", "Progress"),
    ("measure", "/measure", "Measure"),
    ("settings", "/settings", "Settings"),
)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The page templates, with the navigation and safety note available to all."""
    env = Jinja2Templates(directory=HERE / "templates")
    env.env.globals.update(nav=NAV, safety_note=SAFETY_NOTE)
    return env


def render(request: Request, name: str, page: str, **context: Any) -> HTMLResponse:
    """Render template `name` for the page `page` (marks the navigation entry)."""
    return templates().TemplateResponse(request, name, {"page": page, **context})
