"""Errors as JSON for the API and as a friendly page for browsers.

Every hipcoach error becomes a 4xx with a message for people; validation
errors name the field. Nothing half-written: services write in one transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hipcoach.domain.errors import (
    HipcoachError,
    NoPlanError,
    SessionStateError,
    StoreError,
    UnknownIdError,
)


def status_for(exc: HipcoachError) -> int:
    """The HTTP status that fits a hipcoach error."""
    from hipcoach.services.screening import SessionBlockedError
    from hipcoach.services.starting import SessionRefusedError

    if isinstance(exc, UnknownIdError | NoPlanError):
        return 404
    if isinstance(exc, SessionBlockedError | SessionRefusedError):
        return 403
    if isinstance(exc, SessionStateError):
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
    async def hipcoach_error(request: Request, exc: HipcoachError) -> JSONResponse:
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
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail), "field": None}, status_code=exc.status_code)
