"""API routes: progress (as JSON, a chart, a printable report) and measurements."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field, model_validator

from hipcoach.domain.measurements import (
    GLOBAL_LIMITS,
    PAIN_LIMITS,
    PSFS_MAX_ITEMS,
    PSFS_SCORE_LIMITS,
    ROM_LIMITS,
)
from hipcoach.services.context import Context
from hipcoach.web.api.inputs import IsoMoment, StrictBody, at_least_one, check_given
from hipcoach.web.api.schemas_errors import errors
from hipcoach.web.cache import OBJECT_RESPONSE, ComputedCache, json_body
from hipcoach.web.deps import Ctx, computed, kept_for_the_day

router = APIRouter(tags=["progress"])

# The domain's plausible range, so the document states what is accepted.
Degrees = Field(
    None, ge=ROM_LIMITS[0], le=ROM_LIMITS[1], allow_inf_nan=False, description="Degrees."
)
SIT_TALL_SIDES = ("left", "right")
# What a sitting records; `at`, `method`, `position` and `note` only describe it.
ANGLES = ("left_ir", "left_er", "right_ir", "right_er")
MEASURED = (*ANGLES, "pain", "global_rating", "sit_tall", "psfs")


class SitTall(StrictBody):
    """The 90/90 sit-tall check (hipcoach's own 0-4 score) per leg in front; at least one."""

    model_config = ConfigDict(json_schema_extra=at_least_one(*SIT_TALL_SIDES))

    left: int | None = Field(None, ge=0, le=4)
    right: int | None = Field(None, ge=0, le=4)

    @model_validator(mode="after")
    def _a_side(self) -> SitTall:
        check_given(
            self, SIT_TALL_SIDES, "give the score for the left leg in front, the right, or both"
        )
        return self


class PsfsItem(StrictBody):
    """One activity of the Patient-Specific Functional Scale and its 0-10 rating."""

    activity: str = Field(min_length=1, max_length=80, description="In your own words.")
    score: int = Field(ge=PSFS_SCORE_LIMITS[0], le=PSFS_SCORE_LIMITS[1])


class Measurement(StrictBody):
    """One sitting: angles in degrees, pain, a global rating, sit-tall and the PSFS.

    At least one of them is given; `at`, `method`, `position` and `note` describe them."""

    model_config = ConfigDict(json_schema_extra=at_least_one(*MEASURED))

    left_ir: float | None = Degrees
    left_er: float | None = Degrees
    right_ir: float | None = Degrees
    right_er: float | None = Degrees
    method: Literal["inclinometer", "goniometer", "camera", "estimate"] = "inclinometer"
    position: Literal["seated", "prone", "supine"] = "seated"
    at: IsoMoment | None = Field(
        None, description="When: 2025-03-14 or 2025-03-14T07:30 (local time); now if none."
    )
    pain: int | None = Field(None, ge=PAIN_LIMITS[0], le=PAIN_LIMITS[1])
    global_rating: int | None = Field(
        None, ge=GLOBAL_LIMITS[0], le=GLOBAL_LIMITS[1], description="How normal, 0-100."
    )
    sit_tall: SitTall | None = None
    psfs: list[PsfsItem] = Field(default_factory=list, max_length=PSFS_MAX_ITEMS)
    note: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _something_measured(self) -> Measurement:
        check_given(self, MEASURED, "nothing to record: give an angle, a score or the PSFS")
        return self


@router.get(
    "/progress",
    summary="Progress figures",
    response_class=JSONResponse,
    responses={**OBJECT_RESPONSE, **errors(503)},
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
    responses={200: {"content": {"image/png": {}}}, **errors(503)},
)
def chart(ctx: Ctx) -> Response:
    """Rotation per side over time, as a PNG."""
    return Response(_report(ctx, "chart.png"), media_type="image/png")


@router.get(
    "/progress/report.html",
    summary="The printable report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, **errors(503)},
)
def report_html(ctx: Ctx) -> Response:
    """The report as one self-contained HTML page (charts inline)."""
    return Response(_report(ctx, "report.html"), media_type="text/html; charset=utf-8")


@router.get(
    "/progress/report.pdf",
    summary="The report as a PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **errors(503)},
)
def report_pdf(ctx: Ctx) -> Response:
    """The report as a PDF, to print or send to a clinician."""
    return Response(
        _report(ctx, "report.pdf"),
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="hipcoach-report.pdf"'},
    )


@router.get("/measurements", summary="Every measurement", responses=errors(503))
def measurements(ctx: Ctx) -> dict[str, Any]:
    """Every measurement and questionnaire response, oldest first."""
    from hipcoach.services.measurements import list_measurements

    return list_measurements(ctx)


@router.post(
    "/measurements",
    status_code=201,
    summary="Record a sitting",
    responses=errors(422, 503, changes=True),
)
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
    legs = body.sit_tall
    sit_tall: list[tuple[str, str | float]] = []
    if legs is not None:
        sit_tall = [
            (s, v) for s, v in (("left", legs.left), ("right", legs.right)) if v is not None
        ]
    given = MeasureInput(
        at=body.at,
        method=body.method,
        position=body.position,
        angles=angles,
        pain=[(None, body.pain)] if body.pain is not None else [],
        global_rating=body.global_rating,
        sit_tall=sit_tall,
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
