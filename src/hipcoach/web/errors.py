"""Errors as JSON for the API and as a friendly page for browsers.

Every hipcoach error becomes a 4xx with a message for people; validation
errors name the field. Nothing half-written: services write in one transaction.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from hipcoach.domain.errors import (
    HipcoachError,
    NoPlanError,
    SessionStateError,
    StoreError,
    UnknownIdError,
)


def status_for(exc: HipcoachError) -> int:
    """The HTTP status that fits a hipcoach error."""
    from hipcoach.services.programs import PlanHeldError
    from hipcoach.services.screening import SessionBlockedError
    from hipcoach.services.starting import SessionRefusedError
    from hipcoach.web.importing import ImportRefusedError

    if isinstance(exc, ImportRefusedError):
        return exc.status  # decided by this same function, in the import's process
    if isinstance(exc, UnknownIdError | NoPlanError):
        return 404
    if isinstance(exc, SessionBlockedError | SessionRefusedError):
        return 403
    if isinstance(exc, SessionStateError | PlanHeldError):
        return 409
    if isinstance(exc, StoreError):
        return 503
    return 422


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error shape: {"error": message, "field": name-or-null}."""

    @app.exception_handler(HipcoachError)
    async def hipcoach_error(request: Request, exc: HipcoachError) -> Response:
        if isinstance(exc, StoreError) and wants_page(request):
            return journal_error_page(request, str(exc))
        body: dict[str, Any] = {"error": str(exc), "field": getattr(exc, "field", None)}
        reasons = getattr(exc, "reasons", None)
        if reasons:
            body["reasons"] = list(reasons)
        return JSONResponse(body, status_code=status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
        field = _field(tuple(first.get("loc", ())))
        return JSONResponse(
            {
                "error": f"{field}: {first.get('msg', 'invalid value')}",
                "field": field,
                "problems": [
                    {"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
                    for e in errors
                ],
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The exception's headers carry meaning (a 405's Allow): they go out with the answer.
        if exc.status_code == 404 and wants_page(request):
            return not_found_page(request, "There is no page at this address.")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # The router names the first route's methods; a path may have several routes.
            headers["Allow"] = _allowed(request) or headers.get("Allow", "")
        return JSONResponse(
            {"error": _http_message(exc, headers), "field": None},
            status_code=exc.status_code,
            headers=headers,
        )


def _allowed(request: Request) -> str:
    """Every method some route at this path takes (routes of included routers too)."""
    state = request.app.state
    if not hasattr(state, "route_methods"):
        state.route_methods = _route_methods(request.app.router.routes, "")
    path = request.url.path
    methods: set[str] = set()
    for pattern, taken in state.route_methods:
        if pattern.match(path):
            methods |= taken
    return ", ".join(sorted(methods))


def _route_methods(routes: Any, prefix: str) -> list[tuple[re.Pattern[str], set[str]]]:
    found: list[tuple[re.Pattern[str], set[str]]] = []
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:  # an included router: its routes under its prefix
            found += _route_methods(router.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            found.append((compile_path(prefix + route.path)[0], set(route.methods)))
    return found


def _http_message(exc: StarletteHTTPException, headers: dict[str, str]) -> str:
    if exc.status_code == 404:
        return "Nothing here: no such address in the hipcoach API."
    if exc.status_code == 405:
        allowed = headers.get("Allow") or "others"
        return f"This address does not take that method; it takes {allowed}."
    return str(exc.detail)


def wants_page(request: Request) -> bool:
    """Whether the client is a browser asking for a page (not the API, not a script)."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def not_found_page(request: Request, message: str) -> Response:
    """The friendly 404 page, in the site's layout."""
    return _error_page(request, 404, "Not found", message)


def journal_error_page(request: Request, message: str) -> Response:
    """The page for a journal that cannot be used (damaged, missing, busy): what and what to do."""
    return _error_page(
        request, 503, "The journal cannot be used", message[:1].upper() + message[1:]
    )


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    from hipcoach.web.templating import render

    response = render(request, "error.html.j2", "", title=title, message=message)
    response.status_code = status
    return response
