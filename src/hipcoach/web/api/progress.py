"""API routes: progress (as JSON, a chart, a printable report) and measurements."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from hipcoach.services.context import Context
from hipcoach.web.api.library import StrictBody
from hipcoach.web.cache import OBJECT_RESPONSE, ComputedCache, json_body
from hipcoach.web.deps import Ctx, computed, kept_for_the_day

router = APIRouter(tags=["progress"])

# Wider than any plausible hip rotation: the domain's own checks give the exact message.
Degrees = Field(None, ge=-90, le=180, allow_inf_nan=False)


class SitTall(StrictBody):
    """The 90/90 sit-tall check (hipcoach's own 0-4 score) per leg in front."""

    left: int | None = Field(None, ge=0, le=4)
    right: int | None = Field(None, ge=0, le=4)


class PsfsItem(StrictBody):
    """One activity of the Patient-Specific Functional Scale and its 0-10 rating."""

    activity: str = Field(min_length=1, max_length=80)
    score: int = Field(ge=0, le=10)


class Measurement(StrictBody):
    """One sitting: angles in degrees, pain, a global rating, sit-tall and the PSFS."""

    left_ir: float | None = Degrees
    left_er: float | None = Degrees
    right_ir: float | None = Degrees
    right_er: float | None = Degrees
    method: Literal["inclinometer", "goniometer", "camera", "estimate"] = "inclinometer"
    position: Literal["seated", "prone", "supine"] = "seated"
    at: str | None = Field(None, max_length=40, description="2025-03-14 or 2025-03-14T07:30.")
    pain: int | None = Field(None, ge=0, le=10)
    global_rating: int | None = Field(None, ge=0, le=100, description="How normal, 0-100.")
    sit_tall: SitTall | None = None
    psfs: list[PsfsItem] = Field(default_factory=list, max_length=5)
    note: str | None = Field(None, max_length=500)


@router.get(
    "/progress",
    summary="Progress figures",
    response_class=JSONResponse,
    responses=OBJECT_RESPONSE,
)
async def progress(request: Request, ctx: Ctx) -> Response:
    """Rotation per side against the typical range, sessions, pain and the PSFS."""
    return Response(await progress_body(ctx, computed(request)), media_type="application/json")


async def progress_body(ctx: Context, cache: ComputedCache) -> bytes:
    """The progress figures as JSON (also served by web.hot, without FastAPI's layers)."""
    from hipcoach.services.progress import build_progress, progress_json

    return await kept_for_the_day(
        cache,
        ctx,
        ("progress-json",),
        lambda day: json_body(progress_json(build_progress(ctx, day))),
    )


@router.get(
    "/progress/chart.png",
    summary="The rotation chart",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def chart(ctx: Ctx) -> Response:
    """Rotation per side over time, as a PNG."""
    return Response(_report(ctx, "chart.png"), media_type="image/png")


@router.get(
    "/progress/report.html",
    summary="The printable report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def report_html(ctx: Ctx) -> Response:
    """The report as one self-contained HTML page (charts inline)."""
    return Response(_report(ctx, "report.html"), media_type="text/html; charset=utf-8")


@router.get(
    "/progress/report.pdf",
    summary="The report as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def report_pdf(ctx: Ctx) -> Response:
    """The report as a PDF, to print or send to a clinician."""
    return Response(
        _report(ctx, "report.pdf"),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="hipcoach-report.pdf"'},
    )


@router.get("/measurements", summary="Every measurement")
def measurements(ctx: Ctx) -> dict[str, Any]:
    """Every measurement and questionnaire response, oldest first."""
    from hipcoach.services.measurements import list_measurements

    return list_measurements(ctx)


@router.post("/measurements", status_code=201, summary="Record a sitting")
def add_measurement(ctx: Ctx, body: Measurement) -> dict[str, Any]:
    """Validate and store a sitting in one go; each angle comes back with its band."""
    from hipcoach.services.measurements import MeasureInput, record_measurements

    angles: list[tuple[str, str, str | float]] = [
        (side, movement, value)
        for side, movement, value in (
            ("left", "ir", body.left_ir),
            ("left", "er", body.left_er),
            ("right", "ir", body.right_ir),
            ("right", "er", body.right_er),
        )
        if value is not None
    ]
    sit_tall = body.sit_tall or SitTall.model_validate({})
    given = MeasureInput(
        at=body.at,
        method=body.method,
        position=body.position,
        angles=angles,
        pain=[(None, body.pain)] if body.pain is not None else [],
        global_rating=body.global_rating,
        sit_tall=[
            (side, value)
            for side, value in (("left", sit_tall.left), ("right", sit_tall.right))
            if value is not None
        ],
        psfs=[(item.activity, item.score) for item in body.psfs],
        note=body.note,
    )
    return record_measurements(ctx, given)


def _report(ctx: Context, name: str) -> bytes:
    """One report format, written by `report.write_report` into a private folder, as bytes."""
    from hipcoach.report import write_report
    from hipcoach.services.progress import build_progress

    view = build_progress(ctx)
    with tempfile.TemporaryDirectory(prefix="hipcoach-report-") as folder:
        return write_report(view, Path(folder) / name).read_bytes()
