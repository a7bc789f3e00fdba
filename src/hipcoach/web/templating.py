"""The Jinja2 environment shared by every page (templates ship inside the package)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from hipcoach.safety import SAFETY_NOTE
from hipcoach.web.app import HERE
from hipcoach.web.csrf import CSRF_COOKIE, form_token, new_cookie_value

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
    # Autoescaping on for every template whatever its name: Starlette's default turns it
    # on only for names ending .html/.htm/.xml, and these end .html.j2. Page text comes
    # from people (notes, reasons, activity names) and from imported files.
    # The templates ship in the package and do not change under a running server;
    # checking each file's time on every render would cost a stat per template.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    environment.globals.update(nav=NAV, safety_note=SAFETY_NOTE)
    return Jinja2Templates(env=environment)


def render(request: Request, name: str, page: str, **context: Any) -> HTMLResponse:
    """Render template `name` for the page `page` (marks the navigation entry).

    Every rendered page can carry forms, so each gets `csrf_token` for them, and
    a browser without the form cookie gets one with the page (see web.csrf).
    """
    secret: bytes = request.app.state.gate.secret
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = None if cookie else new_cookie_value()
    token = form_token(secret, cookie or fresh or "")
    response = templates().TemplateResponse(
        request, name, {"page": page, "csrf_token": token, **context}
    )
    if fresh is not None:
        set_private_cookie(request, response, CSRF_COOKIE, fresh)
    return response


def set_private_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    """A cookie no script can read and no other site's request carries."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def render_text(name: str, page: str, **context: Any) -> str:
    """Template `name` rendered to a string, for a page the server keeps (see web.cache).

    The templates read nothing from the request, so the text is the same for
    every request that gives the same context.
    """
    text: str = templates().env.get_template(name).render({"page": page, **context})
    return text
