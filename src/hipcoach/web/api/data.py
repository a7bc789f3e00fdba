"""API routes: the user's data out (JSON, CSV, FHIR) and back in (a JSON export), checked whole."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.deps import Ctx
from hipcoach.web.gate import IMPORT_PATH, MAX_IMPORT_BYTES, size_text
from hipcoach.web.importing import import_file

router = APIRouter(tags=["data"])

_TYPES = {
    "json": ("application/json", "json"),
    "fhir": ("application/fhir+json", "fhir.json"),
    "csv": ("application/zip", "csv.zip"),
}


@router.get(
    "/export",
    summary="Download everything you recorded",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "application/fhir+json": {}, "application/zip": {}}
        },
        **errors(422, 503),
    },
)
def export(
    ctx: Ctx, format: Annotated[Literal["json", "csv", "fhir"], Query()] = "json"
) -> Response:
    """json: everything, re-importable; csv: a zip of one file per kind of record;
    fhir: measurements and questionnaires as a FHIR R4 Bundle."""
    from hipcoach.services.data import export_data

    media_type, suffix = _TYPES[format]
    if format == "csv":
        # CSV is several files: written as a zip into a private folder, then sent.
        with tempfile.TemporaryDirectory(prefix="hipcoach-export-") as folder:
            path = Path(folder) / "export.zip"
            export_data(ctx, "csv", path)
            content = path.read_bytes()
    else:
        result = export_data(ctx, format)
        content = (result.text or "").encode("utf-8")
    name = f"hipcoach-{ctx.settings.profile}-{datetime.now(UTC):%Y-%m-%d}.{suffix}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'},
    )


@router.post(
    "/import",
    summary="Restore a JSON export",
    responses=errors(
        413,
        415,
        422,
        503,
        changes=True,
        about={413: f"The file is larger than an import takes ({size_text(MAX_IMPORT_BYTES)})."},
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A file from GET /export?format=json, at most 50 MB.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def import_(request: Request, ctx: Ctx) -> dict[str, Any]:
    """Restore the export into the current profile, every record checked first: a malformed
    file, a record direct entry would refuse, a conflict with a stored record, or a file
    from a newer hipcoach is refused (422), naming the record and field, and changes
    nothing; a file over 50 MB is refused (413) before it is read. Records already there
    are skipped and counted (`already_there`)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind not in ("application/json", ""):  # no type: taken as JSON, as FastAPI does
        raise HTTPException(415, "Send the export file as application/json.")
    # Streamed to a private file, never held whole in memory, and read in a process of
    # its own (web.importing): a large import must not stop the server answering others.
    with tempfile.TemporaryDirectory(prefix="hipcoach-import-") as folder:
        path = Path(folder) / "import.json"
        size, limit = 0, request.app.state.gate.limits.get(IMPORT_PATH, MAX_IMPORT_BYTES)
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:  # a body sent without its length is counted here
                    raise HTTPException(
                        413, f"The file is larger than an import takes ({size_text(limit)})."
                    )
                out.write(chunk)
        if size == 0:
            raise HTTPException(422, "The request has no file: send the export as its body.")
        return await import_file(ctx.settings, path)


def _safe(name: str) -> str:
    """A file name fit for a header: profile names may hold anything."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
