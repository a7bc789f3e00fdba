"""API routes: the user's data out (JSON, CSV, FHIR) and back in (a JSON export), all or nothing."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from hipcoach.web.deps import Ctx

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
        }
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


@router.post("/import", summary="Restore a JSON export")
def import_(
    ctx: Ctx,
    document: Annotated[dict[str, Any], Body(description="A file from GET /export?format=json.")],
) -> dict[str, Any]:
    """Restore the export into the current profile in one transaction; a malformed file, or
    one from a newer hipcoach, is refused (422) and changes nothing."""
    from hipcoach.services.data import import_data

    # The service reads an export file, and checks it from its text: hand it one.
    with tempfile.TemporaryDirectory(prefix="hipcoach-import-") as folder:
        path = Path(folder) / "import.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        result = import_data(ctx, path)
    summary = result.summary
    return {
        "profile": summary.profile,
        "created_profile": summary.created_profile,
        "exported_from": result.exported_from,
        "exported_at": result.exported_at.isoformat() if result.exported_at else None,
        "total": summary.total,
        "counts": summary.counts,
    }


def _safe(name: str) -> str:
    """A file name fit for a header: profile names may hold anything."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
