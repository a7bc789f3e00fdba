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
    # The templates ship in the package and do not change under a running server;
    # checking each file's time on every render would cost a stat per template.
    env.env.auto_reload = False
    return env


def render(request: Request, name: str, page: str, **context: Any) -> HTMLResponse:
    """Render template `name` for the page `page` (marks the navigation entry)."""
    return templates().TemplateResponse(request, name, {"page": page, **context})


def render_text(name: str, page: str, **context: Any) -> str:
    """Template `name` rendered to a string, for a page the server keeps (see web.cache).

    The templates read nothing from the request, so the text is the same for
    every request that gives the same context.
    """
    text: str = templates().env.get_template(name).render({"page": page, **context})
    return text
